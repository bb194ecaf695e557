import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { loadKeyring } from '../../../src/approval/loadKeyring.js';
import { InputError } from '../../../src/errors.js';
import type { SovereignKeyPair } from '../../../src/keys/generateSovereignKey.js';
import { makeKeyringDir, makeSovereign, makeTempDir } from '../../support/sovereignKeys.js';

let a: SovereignKeyPair;
let b: SovereignKeyPair;
const dirs: string[] = [];
beforeAll(async () => {
  a = await makeSovereign({ name: 'Keyring A' });
  b = await makeSovereign({ name: 'Keyring B' });
});
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function refusal(promise: Promise<unknown>): Promise<InputError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(InputError);
  return error as InputError;
}

describe('loadKeyring', () => {
  test('reads *.asc and *.pub files, several keys per file, ignoring other files', async () => {
    const dir = await makeTempDir('keyring-');
    dirs.push(dir);
    await writeFile(path.join(dir, 'both.asc'), `${a.publicKeyArmored}\n${b.publicKeyArmored}`);
    await writeFile(path.join(dir, 'a.pub'), a.publicKeyArmored);
    await writeFile(path.join(dir, 'README.md'), 'not a key');
    const ring = await loadKeyring(dir);
    expect(ring.keys.map((k) => k.getFingerprint()).sort()).toEqual([a.fingerprint, a.fingerprint, b.fingerprint].sort());
    expect(ring.sources.map((s) => path.basename(s.file))).toEqual(['a.pub', 'both.asc', 'both.asc']);
  });

  test('refuses a private key, naming the file and never printing key material', async () => {
    const dir = await makeKeyringDir([a.publicKeyArmored]);
    dirs.push(dir);
    await writeFile(path.join(dir, 'oops.sec.asc'), a.privateKeyArmored);
    const error = await refusal(loadKeyring(dir));
    expect(error.where.file).toBe(path.join(dir, 'oops.sec.asc'));
    expect(error.message).toMatch(/private key/);
    expect(error.message).not.toContain('PRIVATE KEY BLOCK');
  });

  test('refuses a file that is not a key, an empty keyring and a missing directory', async () => {
    const dir = await makeTempDir('keyring-');
    dirs.push(dir);
    expect((await refusal(loadKeyring(dir))).message).toMatch(/no public key/);
    await writeFile(path.join(dir, 'junk.asc'), 'hello');
    expect((await refusal(loadKeyring(dir))).where.file).toBe(path.join(dir, 'junk.asc'));
    expect((await refusal(loadKeyring(path.join(dir, 'missing')))).message).toMatch(/does not exist/);
  });

  test('refuses a keyring inside the KB', async () => {
    const kb = await makeTempDir('kb-');
    dirs.push(kb);
    const inside = path.join(kb, 'keys');
    await mkdir(inside);
    await writeFile(path.join(inside, 'a.asc'), a.publicKeyArmored);
    expect((await refusal(loadKeyring(inside, { kbRoot: kb }))).message).toMatch(/inside the KB/);
    const outside = await makeKeyringDir([a.publicKeyArmored]);
    dirs.push(outside);
    expect((await loadKeyring(outside, { kbRoot: kb })).keys).toHaveLength(1);
  });
});
