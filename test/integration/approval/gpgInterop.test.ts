import { createHash } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildApprovalText, signApproval } from '../../../src/approval/approvalDocument.js';
import { loadKeyring, type TrustedKeyring } from '../../../src/approval/loadKeyring.js';
import { verifyApproval } from '../../../src/approval/verifyApproval.js';
import type { SovereignKeyPair } from '../../../src/keys/generateSovereignKey.js';
import { makeGnupgHome, makeKeyringDir, makeSovereign, type GnupgHome } from '../../support/sovereignKeys.js';

const requestSha = createHash('sha256').update('# SG2 lifecycle authorisation request\n').digest('hex');
const runId = uuidv7();
const expected = { gate: 'SG2', run_id: runId, request_sha256: requestSha } as const;

let sovereign: SovereignKeyPair;
let gnupg: GnupgHome;
let keyringDir: string;
let keyring: TrustedKeyring;

beforeAll(async () => {
  sovereign = await makeSovereign({ name: 'Grace Sovereign' });
  gnupg = await makeGnupgHome();
  gnupg.importKey(sovereign.privateKeyArmored);
  keyringDir = await makeKeyringDir([sovereign.publicKeyArmored]);
  keyring = await loadKeyring(keyringDir);
});
afterAll(async () => {
  await gnupg.cleanup();
  await rm(keyringDir, { recursive: true, force: true });
});

describe('GnuPG 2.2 interoperability (real gpg binary, temp GNUPGHOME)', () => {
  test('gpg imports our ed25519Legacy key with the same fingerprint', () => {
    const listed = gnupg.gpg(['--with-colons', '--list-secret-keys']);
    expect(listed.status).toBe(0);
    expect(listed.stdout.toLowerCase()).toContain(`fpr:::::::::${sovereign.fingerprint}:`);
  });

  test('an approval made with `gpg --clearsign` from a keyring key passes verifyApproval', async () => {
    const text = buildApprovalText({ ...expected, decision: 'approve', reason: 'verify result matches the digest' });
    const signed = gnupg.gpg(['--yes', '--pinentry-mode', 'loopback', '--passphrase', '', '--local-user', sovereign.fingerprint, '--clearsign'], text);
    expect(signed.status).toBe(0);
    expect(signed.stdout).toMatch(/^-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA\d+\n/);
    const verdict = await verifyApproval(signed.stdout, keyring, expected);
    expect(verdict).toMatchObject({ ok: true, gate: 'SG2', decision: 'approve', signer_fingerprint: sovereign.fingerprint });
  });

  test('a gpg-signed approval altered afterwards is refused as bad_signature', async () => {
    const text = buildApprovalText({ ...expected, decision: 'deny', reason: 'not yet' });
    const signed = gnupg.gpg(['--pinentry-mode', 'loopback', '--passphrase', '', '--clearsign'], text);
    const altered = signed.stdout.replace('decision: "deny"', 'decision: "approve"');
    expect(await verifyApproval(altered, keyring, expected)).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  test('our signed approval verifies with `gpg --verify`', async () => {
    const signed = await signApproval({ ...expected, decision: 'approve', reason: 'ok' }, sovereign.privateKeyArmored);
    const file = path.join(gnupg.home, 'SG2-lifecycle-authz-approval-20260520.md');
    await writeFile(file, signed);
    const result = gnupg.gpg(['--status-fd', '1', '--verify', file]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`\\[GNUPG:\\] VALIDSIG ${sovereign.fingerprint.toUpperCase()} `));
    expect(result.stdout).toContain('[GNUPG:] GOODSIG');
    // and gpg sees the alteration too
    await writeFile(file, signed.replace('decision: "approve"', 'decision: "deny"'));
    const bad = gnupg.gpg(['--status-fd', '1', '--verify', file]);
    expect(bad.status).not.toBe(0);
    expect(bad.stdout).toContain('[GNUPG:] BADSIG');
  });
});
