import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readKey, readPrivateKey, revokeKey } from 'openpgp';
import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readBackupFile, writeBackupFile } from '../../../src/backup/backupFile.js';
import { decryptBackup } from '../../../src/backup/decryptBackup.js';
import { encryptBackup } from '../../../src/backup/encryptBackup.js';
import { loadBackupRecipients } from '../../../src/backup/loadBackupRecipients.js';
import { InputError } from '../../../src/errors.js';
import type { SovereignKeyPair } from '../../../src/keys/generateSovereignKey.js';
import { FIXTURE_TEXTS } from '../../support/corpus.js';
import { makeGnupgHome, makeSovereign, makeTempDir } from '../../support/sovereignKeys.js';
import { rejectionOf } from '../../support/rejection.js';

/** IU-like rows from a statute text (a fixture of this repository): every non-empty paragraph is one unit text. */
function statuteRows(): { canonical_address: string; content_hash: string; text: string }[] {
  const source = readFileSync(FIXTURE_TEXTS.modelArchivesAct, 'utf8');
  return source
    .split(/\n\s*\n/)
    .map((t) => t.trim())
    .filter((t) => t.length > 40)
    .map((text, i) => ({ canonical_address: `MODEL-ARCHIVES/para_${i + 1}`, content_hash: createHash('sha256').update(text).digest('hex'), text }));
}

let alice: SovereignKeyPair;
let bob: SovereignKeyPair;
let eve: SovereignKeyPair;
let work: string;
beforeAll(async () => {
  [alice, bob, eve] = await Promise.all([
    makeSovereign({ name: 'Alice Backup' }),
    makeSovereign({ name: 'Bob Backup', passphrase: 'bob secret passphrase' }),
    makeSovereign({ name: 'Eve Outsider' }),
  ]);
  work = await makeTempDir('backup-');
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const inputError = (promise: Promise<unknown>): Promise<InputError> => rejectionOf(promise, InputError);

describe('encryptBackup / decryptBackup', () => {
  test('round-trips the dumped rows for every recipient (one with a passphrase)', async () => {
    const dump = { document_id: 'model-archives', rows: statuteRows(), governance: [] };
    expect(dump.rows.length).toBeGreaterThan(30);
    const backup = await encryptBackup(dump, [alice.publicKeyArmored, bob.publicKeyArmored]);
    expect(backup.sha256).toBe(createHash('sha256').update(backup.bytes).digest('hex'));
    expect(backup.recipients).toEqual([alice.fingerprint, bob.fingerprint]);
    expect(await decryptBackup(backup.bytes, alice.privateKeyArmored)).toEqual(dump);
    expect(await decryptBackup(backup.bytes, bob.privateKeyArmored, 'bob secret passphrase')).toEqual(dump);
  });

  test('the encrypted bytes contain none of the unit texts (nor a 24-byte slice of any)', async () => {
    const rows = statuteRows();
    const { bytes } = await encryptBackup({ rows }, [alice.publicKeyArmored]);
    const haystack = Buffer.from(bytes);
    for (const row of rows) {
      expect(haystack.includes(Buffer.from(row.text, 'utf8'))).toBe(false);
      for (let at = 0; at + 24 <= row.text.length; at += 24) expect(haystack.includes(Buffer.from(row.text.slice(at, at + 24), 'utf8'))).toBe(false);
      expect(haystack.includes(Buffer.from(row.canonical_address))).toBe(false);
    }
  });

  test('a key that is not a recipient fails with a clear error naming the recipients', async () => {
    const { bytes } = await encryptBackup({ rows: statuteRows().slice(0, 3) }, [alice.publicKeyArmored]);
    const error = await inputError(decryptBackup(bytes, eve.privateKeyArmored));
    expect(error.message).toMatch(/is encrypted to key id\(s\) [0-9a-f]{16}/);
    expect(error.message).toContain(eve.fingerprint);
    expect(error.message).not.toContain('PRIVATE KEY');
  });

  test('a wrong or missing passphrase, a damaged file and garbage bytes fail with InputError', async () => {
    const { bytes } = await encryptBackup({ n: 1 }, [bob.publicKeyArmored]);
    const wrong = await inputError(decryptBackup(bytes, bob.privateKeyArmored, 'guess'));
    expect(wrong.message).not.toContain('guess');
    await inputError(decryptBackup(bytes, bob.privateKeyArmored));
    const damaged = Uint8Array.from(bytes);
    const last = damaged.length - 5;
    damaged[last] = (damaged[last] ?? 0) ^ 0xff;
    expect((await inputError(decryptBackup(damaged, bob.privateKeyArmored, 'bob secret passphrase'))).message).toMatch(/cannot be decrypted|not a binary OpenPGP/);
    await inputError(decryptBackup(new TextEncoder().encode('plain text'), alice.privateKeyArmored));
  });

  test('refuses no recipient, a private key as recipient and a revoked recipient', async () => {
    await inputError(encryptBackup({}, []));
    expect((await inputError(encryptBackup({}, [alice.privateKeyArmored]))).message).toMatch(/private key/);
    const { publicKey } = await revokeKey({ key: await readPrivateKey({ armoredKey: eve.privateKeyArmored }), format: 'armored' });
    expect((await inputError(encryptBackup({}, [publicKey]))).message).toContain(eve.fingerprint);
    await inputError(encryptBackup(undefined, [alice.publicKeyArmored]));
  });

  test('gpg --decrypt reads our backup (the sovereign restore path)', async () => {
    const gnupg = await makeGnupgHome();
    try {
      gnupg.importKey(alice.privateKeyArmored);
      const dump = { rows: statuteRows().slice(0, 5) };
      const { bytes } = await encryptBackup(dump, [alice.publicKeyArmored]);
      const result = gnupg.gpg(['--pinentry-mode', 'loopback', '--passphrase', '', '--decrypt'], bytes);
      expect(result.status).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual(dump);
    } finally {
      await gnupg.cleanup();
    }
  });
});

describe('backup files', () => {
  test('loadBackupRecipients reads armored public keys and names a bad file', async () => {
    const file = path.join(work, 'alice.pub.asc');
    await writeFile(file, alice.publicKeyArmored);
    expect(await loadBackupRecipients([file])).toEqual([alice.publicKeyArmored]);
    expect((await readKey({ armoredKey: (await loadBackupRecipients([file]))[0] ?? '' })).getFingerprint()).toBe(alice.fingerprint);
    const secret = path.join(work, 'alice.sec.asc');
    await writeFile(secret, alice.privateKeyArmored);
    expect((await inputError(loadBackupRecipients([file, secret]))).where.file).toBe(secret);
    expect((await inputError(loadBackupRecipients([path.join(work, 'missing.asc')]))).message).toMatch(/ENOENT/);
  });

  test('writeBackupFile writes <run_id>.backup.gpg once (0600) and adopts an existing one', async () => {
    const dir = path.join(work, 'sidecars');
    const runId = uuidv7();
    const first = await encryptBackup({ rows: statuteRows().slice(0, 2) }, [alice.publicKeyArmored]);
    const written = await writeBackupFile(dir, runId, first.bytes, 'backup');
    expect(written).toEqual({ file: path.join(dir, `${runId}.backup.gpg`), created: true, sha256: first.sha256 });
    expect((await stat(written.file)).mode & 0o777).toBe(0o600);
    const again = await encryptBackup({ rows: statuteRows().slice(0, 2) }, [alice.publicKeyArmored]);
    expect(again.sha256).not.toBe(first.sha256);
    expect(await writeBackupFile(dir, runId, again.bytes, 'backup')).toEqual({ ...written, created: false });
    const read = await readBackupFile(dir, runId);
    expect(read.sha256).toBe(first.sha256);
    expect(await decryptBackup(read.bytes, alice.privateKeyArmored)).toEqual({ rows: statuteRows().slice(0, 2) });
  });
});
