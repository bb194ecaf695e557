/**
 * `keys generate` like GnuPG's (issue 12): a user ID with spaces and an email, the file stem derived
 * from the name, a passphrase required unless `--no-passphrase` (then a warning), and nothing
 * written on a refusal.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { readKey, readPrivateKey } from 'openpgp';
import { afterEach, describe, expect, test } from 'vitest';
import { fileStemOf, keysGenerate, parseUserId } from '../../../src/commands/keysGenerate.js';
import { InputError } from '../../../src/errors.js';
import { makeTempDir } from '../../support/sovereignKeys.js';
import { rejectionOf } from '../../support/rejection.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const refusal = (promise: Promise<unknown>): Promise<InputError> => rejectionOf(promise, InputError);

describe('keys generate', () => {
  test('--name "Ada Lovelace" --email: user ID "Ada Lovelace <ada@example.org>", files ada-lovelace.*, protected', async () => {
    const cwd = await makeTempDir('keys-');
    dirs.push(cwd);
    const r = await keysGenerate({ name: 'Ada Lovelace', email: 'ada@example.org', out: 'k', cwd, passphrase: 'correct horse' });
    expect(r).toMatchObject({ user_id: 'Ada Lovelace <ada@example.org>', protected: true, warnings: [] });
    expect((await readdir(path.join(cwd, 'k'))).sort()).toEqual(['ada-lovelace.pub.asc', 'ada-lovelace.rev.asc', 'ada-lovelace.sec.asc']);
    const pub = await readKey({ armoredKey: await readFile(r.publicKey, 'utf8') });
    expect(pub.getUserIDs()).toEqual(['Ada Lovelace <ada@example.org>']);
    expect(pub.getFingerprint()).toBe(r.fingerprint);
    const sec = await readPrivateKey({ armoredKey: await readFile(r.privateKey, 'utf8') });
    expect(sec.isDecrypted()).toBe(false);
  });

  test('a whole user ID in --name is split as GnuPG writes it; a conflicting --email is refused', () => {
    expect(parseUserId('Ada Lovelace <ada@example.org>', undefined)).toEqual({ name: 'Ada Lovelace', email: 'ada@example.org' });
    expect(parseUserId('Ada Lovelace', undefined)).toEqual({ name: 'Ada Lovelace' });
    expect(() => parseUserId('Ada <ada@example.org>', 'other@example.org')).toThrow(InputError);
    expect(fileStemOf('Éloïse  de la Tour')).toBe('eloise-de-la-tour');
  });

  test('no passphrase and no --no-passphrase: refused with the fix, nothing written', async () => {
    const cwd = await makeTempDir('keys-');
    dirs.push(cwd);
    const error = await refusal(keysGenerate({ name: 'Ada Lovelace', out: 'k', cwd }));
    expect(error.code).toBe('STOP_INPUT');
    expect(error.next).toMatch(/ORCHESTRATE_KEY_PASSPHRASE.*--no-passphrase/);
    expect(await readdir(cwd)).toEqual([]);
  });

  test('--no-passphrase writes an unprotected key and says so', async () => {
    const cwd = await makeTempDir('keys-');
    dirs.push(cwd);
    const r = await keysGenerate({ name: 'Demo Sovereign', out: 'k', cwd, noPassphrase: true });
    expect(r.protected).toBe(false);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/NOT passphrase-protected/);
    expect((await readPrivateKey({ armoredKey: await readFile(r.privateKey, 'utf8') })).isDecrypted()).toBe(true);
  });

  test('a malformed email or a name with brackets is refused', async () => {
    const cwd = await makeTempDir('keys-');
    dirs.push(cwd);
    expect((await refusal(keysGenerate({ name: 'Ada', email: 'not an email', out: 'k', cwd, noPassphrase: true }))).where.field).toBe('email');
    expect((await refusal(keysGenerate({ name: 'Ada <oops', out: 'k', cwd, noPassphrase: true }))).where.field).toBe('name');
    expect(await readdir(cwd)).toEqual([]);
  });
});
