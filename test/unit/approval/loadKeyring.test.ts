import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { readKey, revokeKey } from 'openpgp';
import { signApproval, type ApprovalFields } from '../../../src/approval/approvalDocument.js';
import { loadKeyring } from '../../../src/approval/loadKeyring.js';
import { verifyApproval, type ExpectedApproval } from '../../../src/approval/verifyApproval.js';
import { InputError } from '../../../src/errors.js';
import type { SovereignKeyPair } from '../../../src/keys/generateSovereignKey.js';
import { makeKeyringDir, makeSovereign, makeTempDir } from '../../support/sovereignKeys.js';
import { rejectionOf } from '../../support/rejection.js';

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

const refusal = (promise: Promise<unknown>): Promise<InputError> => rejectionOf(promise, InputError);

describe('loadKeyring', () => {
  test('reads *.asc and *.pub files, several keys per file, ignoring other files', async () => {
    const dir = await makeTempDir('keyring-');
    dirs.push(dir);
    await writeFile(path.join(dir, 'both.asc'), `${a.publicKeyArmored}\n${b.publicKeyArmored}`);
    await writeFile(path.join(dir, 'a.pub'), a.publicKeyArmored);
    await writeFile(path.join(dir, 'README.md'), 'not a key');
    const ring = await loadKeyring(dir);
    // a's two copies are one key; both files stay listed as its sources
    expect(ring.keys.map((k) => k.getFingerprint()).sort()).toEqual([a.fingerprint, b.fingerprint].sort());
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

describe('loadKeyring merges every copy of a key (GnuPG import semantics)', () => {
  const expected: ExpectedApproval = { gate: 'SG1', run_id: '01a24253-6d51-757a-b767-d307c4948a25', request_sha256: 'a'.repeat(64) };
  const approve: ApprovalFields = { ...expected, decision: 'approve', reason: 'digests and backup checked' };
  let revoked: string;
  let signed: string;
  beforeAll(async () => {
    const { publicKey } = await revokeKey({ key: await readKey({ armoredKey: a.publicKeyArmored }), revocationCertificate: a.revocationCertificate, format: 'armored' });
    revoked = publicKey;
    signed = await signApproval(approve, a.privateKeyArmored, undefined, { date: new Date(Date.now() - 60_000) });
  });

  const layouts: { name: string; files: (first: string, second: string) => Record<string, string> }[] = [
    { name: 'two files', files: (first, second) => ({ '1-first.asc': first, '2-second.asc': second }) },
    { name: 'one file, two blocks', files: (first, second) => ({ 'sovereigns.asc': `${first}\n${second}` }) },
  ];
  for (const layout of layouts) {
    for (const order of ['revoked copy first', 'revoked copy last'] as const) {
      test(`${layout.name}, ${order}: the revocation applies (key_revoked), one key`, async () => {
        const dir = await makeTempDir('keyring-');
        dirs.push(dir);
        const [first, second] = order === 'revoked copy first' ? [revoked, a.publicKeyArmored] : [a.publicKeyArmored, revoked];
        for (const [name, text] of Object.entries(layout.files(first, second))) await writeFile(path.join(dir, name), text);
        const ring = await loadKeyring(dir);
        expect(ring.keys).toHaveLength(1);
        expect(ring.sources).toHaveLength(2);
        expect(await ring.keys[0]?.isRevoked()).toBe(true);
        const verdict = await verifyApproval(signed, ring, expected);
        expect(verdict.ok).toBe(false);
        expect(verdict.ok ? null : verdict.reason).toBe('key_revoked');
      });
    }
  }

  test('the unrevoked key alone still verifies (control)', async () => {
    const dir = await makeKeyringDir([a.publicKeyArmored]);
    dirs.push(dir);
    expect((await verifyApproval(signed, await loadKeyring(dir), expected)).ok).toBe(true);
  });
});

