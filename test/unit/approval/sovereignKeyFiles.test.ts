import { readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { readKey, readPrivateKey } from 'openpgp';
import { afterEach, describe, expect, test } from 'vitest';
import { signApproval } from '../../../src/approval/approvalDocument.js';
import { InputError } from '../../../src/errors.js';
import { generateSovereignKey } from '../../../src/keys/generateSovereignKey.js';
import { writeKeyPair } from '../../../src/keys/writeKeyPair.js';
import { makeTempDir } from '../../support/sovereignKeys.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const fields = { gate: 'SG1', run_id: '0190a5d2-7b3c-7def-8abc-0123456789ab', request_sha256: 'a'.repeat(64), decision: 'approve', reason: 'ok' } as const;

describe('generateSovereignKey', () => {
  test('makes a v4 EdDSA (ed25519Legacy) key with an encryption subkey and the given user id', async () => {
    const pair = await generateSovereignKey({ name: 'Ada Sovereign', email: 'ada@example.org' });
    expect(pair.fingerprint).toMatch(/^[0-9a-f]{40}$/);
    const key = await readKey({ armoredKey: pair.publicKeyArmored });
    expect(key.isPrivate()).toBe(false);
    expect(key.keyPacket.version).toBe(4);
    expect(key.getAlgorithmInfo()).toMatchObject({ algorithm: 'eddsaLegacy', curve: 'ed25519Legacy' });
    expect(key.getUserIDs()).toEqual(['Ada Sovereign <ada@example.org>']);
    expect(key.getFingerprint()).toBe(pair.fingerprint);
    await expect(key.getEncryptionKey()).resolves.toBeDefined();
    expect(pair.revocationCertificate).toContain('BEGIN PGP PUBLIC KEY BLOCK');
  });

  test('a passphrase protects the private key; signing needs it and a wrong one is a clear InputError', async () => {
    const pair = await generateSovereignKey({ name: 'Protected', email: 'p@example.org', passphrase: 'correct horse' });
    expect((await readPrivateKey({ armoredKey: pair.privateKeyArmored })).isDecrypted()).toBe(false);
    await expect(signApproval(fields, pair.privateKeyArmored, 'correct horse')).resolves.toContain('BEGIN PGP SIGNED MESSAGE');
    const wrong = await signApproval(fields, pair.privateKeyArmored, 'wrong horse').catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(InputError);
    expect((wrong as Error).message).not.toContain('wrong horse');
    await expect(signApproval(fields, pair.privateKeyArmored)).rejects.toThrow(/passphrase is needed/);
    await expect(signApproval(fields, pair.publicKeyArmored)).rejects.toBeInstanceOf(InputError);
  });
});

describe('writeKeyPair', () => {
  test('writes <name>.pub.asc 0644, <name>.sec.asc 0600, <name>.rev.asc 0600', async () => {
    const out = path.join(await makeTempDir('keys-'), 'out');
    dirs.push(path.dirname(out));
    const pair = await generateSovereignKey({ name: 'File Sovereign', email: 'f@example.org' });
    const files = await writeKeyPair(out, 'ada', pair);
    expect(files).toEqual({ publicKey: path.join(out, 'ada.pub.asc'), privateKey: path.join(out, 'ada.sec.asc'), revocation: path.join(out, 'ada.rev.asc') });
    expect((await stat(files.publicKey)).mode & 0o777).toBe(0o644);
    expect((await stat(files.privateKey)).mode & 0o777).toBe(0o600);
    expect((await stat(files.revocation)).mode & 0o777).toBe(0o600);
    expect((await stat(out)).mode & 0o777).toBe(0o700);
    expect(await readFile(files.publicKey, 'utf8')).toBe(pair.publicKeyArmored);
    expect(await readFile(files.privateKey, 'utf8')).toBe(pair.privateKeyArmored);
  });

  test('never overwrites an existing key and refuses a name that is a path', async () => {
    const out = await makeTempDir('keys-');
    dirs.push(out);
    const first = await generateSovereignKey({ name: 'First', email: 'first@example.org' });
    const second = await generateSovereignKey({ name: 'Second', email: 'second@example.org' });
    await writeKeyPair(out, 'ada', first);
    const error = await writeKeyPair(out, 'ada', second).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).where.file).toBe(path.join(out, 'ada.sec.asc'));
    expect(await readFile(path.join(out, 'ada.sec.asc'), 'utf8')).toBe(first.privateKeyArmored);
    await expect(writeKeyPair(out, '../escape', first)).rejects.toBeInstanceOf(InputError);
  });
});
