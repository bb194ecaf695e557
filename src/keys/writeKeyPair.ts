/**
 * Writes a sovereign key pair to disk for `orchestrate keys generate --out DIR`.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../errors.js';
import { createFileExclusive } from '../sidecar/createFileExclusive.js';
import type { SovereignKeyPair } from './generateSovereignKey.js';

/** Paths written by {@link writeKeyPair}. */
export interface KeyPairFiles {
  /** `<name>.pub.asc`, mode 0644: goes into the trusted keyring directory (outside the KB) */
  publicKey: string;
  /** `<name>.sec.asc`, mode 0600: stays with the sovereign */
  privateKey: string;
  /** `<name>.rev.asc`, mode 0600: the revocation certificate, kept offline */
  revocation: string;
}

/**
 * Writes `<name>.pub.asc` (0644), `<name>.sec.asc` (0600) and `<name>.rev.asc` (0600) in
 * `outDir` (created 0700 when missing). Each file is created exclusively and atomically, so an
 * existing key is never overwritten and a crash never leaves half a key.
 *
 * @param name - file stem: letters, digits, `.`, `_`, `-`
 * @throws InputError when `name` is not a plain file stem or a target file already exists
 *   (files created before the clash are kept; the message names the clashing file)
 */
export async function writeKeyPair(outDir: string, name: string, pair: SovereignKeyPair): Promise<KeyPairFiles> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new InputError(`key name ${JSON.stringify(name)} must be a plain file stem (letters, digits, . _ -)`, { field: 'name' });
  }
  await mkdir(outDir, { recursive: true, mode: 0o700 });
  const files: KeyPairFiles = {
    publicKey: path.join(outDir, `${name}.pub.asc`),
    privateKey: path.join(outDir, `${name}.sec.asc`),
    revocation: path.join(outDir, `${name}.rev.asc`),
  };
  const plan: [string, string, number][] = [
    [files.privateKey, pair.privateKeyArmored, 0o600],
    [files.revocation, pair.revocationCertificate, 0o600],
    [files.publicKey, pair.publicKeyArmored, 0o644],
  ];
  for (const [file, data, mode] of plan) {
    if (!(await createFileExclusive(file, data, mode))) {
      throw new InputError(`refusing to overwrite ${file}: choose another --name or --out`, { file });
    }
  }
  return files;
}
