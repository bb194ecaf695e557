/**
 * Test helpers: throwaway sovereign keys, trusted keyring directories and GnuPG homes, all in
 * fresh temp dirs (never `~/.gnupg`). Other test suites may import these.
 */
import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateSovereignKey, type SovereignKeyOptions, type SovereignKeyPair } from '../../src/keys/generateSovereignKey.js';

/** A fresh temp directory; remove it with `rm(dir, { recursive: true, force: true })`. */
export function makeTempDir(prefix = 'orchestrate-test-'): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

/**
 * A real ed25519Legacy sovereign key pair (unprotected unless a passphrase is given). Created one
 * day in the past by default, so tests may back-date signatures.
 */
export function makeSovereign(options: Partial<SovereignKeyOptions> = {}): Promise<SovereignKeyPair> {
  const name = options.name ?? 'Test Sovereign';
  return generateSovereignKey({
    email: `${name.toLowerCase().replace(/[^a-z0-9]+/g, '.')}@example.org`,
    date: new Date(Date.now() - 86_400_000),
    ...options,
    name,
  });
}

/** Writes each public key as `<i>-<fingerprint>.pub.asc` into a new temp dir: a trusted keyring. */
export async function makeKeyringDir(publicKeysArmored: readonly string[]): Promise<string> {
  const dir = await makeTempDir('keyring-');
  await Promise.all(publicKeysArmored.map((key, i) => writeFile(path.join(dir, `${i}.pub.asc`), key)));
  return dir;
}

/** Result of one gpg run. */
export interface GpgResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** A temp GNUPGHOME (mode 0700) with a runner for the real `gpg` binary. */
export interface GnupgHome {
  home: string;
  /** runs `gpg --batch --homedir <home> …args` with `input` on stdin */
  gpg(args: readonly string[], input?: string | Uint8Array): GpgResult;
  /** imports an armored key (public or private) */
  importKey(armored: string): void;
  /** stops the agent this home started and removes the directory */
  cleanup(): Promise<void>;
}

/** Creates a GnuPG home in a temp dir; `gpg` runs with GNUPGHOME set to it. */
export async function makeGnupgHome(): Promise<GnupgHome> {
  const home = await makeTempDir('gnupg-');
  await chmod(home, 0o700);
  const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', GNUPGHOME: home, LANG: 'C' };
  const gpg = (args: readonly string[], input?: string | Uint8Array): GpgResult => {
    const r = spawnSync('gpg', ['--batch', '--no-tty', '--homedir', home, ...args], { env, input });
    return { status: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
  };
  return {
    home,
    gpg,
    importKey(armored) {
      const r = gpg(['--import'], armored);
      if (r.status !== 0) throw new Error(`gpg --import failed: ${r.stderr}`);
    },
    async cleanup() {
      spawnSync('gpgconf', ['--kill', 'gpg-agent'], { env });
      await rm(home, { recursive: true, force: true });
    },
  };
}
