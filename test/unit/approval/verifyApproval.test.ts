import { createHash } from 'node:crypto';
import { readKey, readPrivateKey, revokeKey, type PublicKey } from 'openpgp';
import { uuidv7 } from 'uuidv7';
import { beforeAll, describe, expect, test } from 'vitest';
import { type ApprovalFields, buildApprovalText, signApproval } from '../../../src/approval/approvalDocument.js';
import { signCleartext } from '../../../src/approval/signedText.js';
import { verifyApproval, type ApprovalVerdict, type ExpectedApproval } from '../../../src/approval/verifyApproval.js';
import type { SovereignKeyPair } from '../../../src/keys/generateSovereignKey.js';
import { makeSovereign } from '../../support/sovereignKeys.js';

const requestSha = createHash('sha256').update('# SG1 request document bytes\n').digest('hex');
const runId = uuidv7();
const expected: ExpectedApproval = { gate: 'SG1', run_id: runId, request_sha256: requestSha };
const approve: ApprovalFields = { ...expected, decision: 'approve', reason: 'digests and backup checked' };

let sovereign: SovereignKeyPair;
let outsider: SovereignKeyPair;
let keyring: { keys: PublicKey[] };

beforeAll(async () => {
  sovereign = await makeSovereign({ name: 'Ada Sovereign' });
  outsider = await makeSovereign({ name: 'Mallory Outsider' });
  keyring = { keys: [await readKey({ armoredKey: sovereign.publicKeyArmored })] };
});

function reasonOf(verdict: ApprovalVerdict): string {
  return verdict.ok ? 'ok' : verdict.reason;
}

/** Front matter written by hand (to build approvals the helper would refuse to write). */
function handMade(frontMatter: string, body = '\n# hand-made approval\n'): string {
  return `---\n${frontMatter}---\n${body}`;
}

const validFrontMatter = (decisionLine: string) =>
  `gate: SG1\nrun_id: ${runId}\nrequest_sha256: ${requestSha}\n${decisionLine}reason: checked\n`;

describe('verifyApproval accepts', () => {
  test('an approval signed by a keyring key, reading fields from the verified text', async () => {
    const signedAt = new Date(Date.now() - 60_000);
    signedAt.setMilliseconds(0);
    const text = await signApproval(approve, sovereign.privateKeyArmored, undefined, { date: signedAt });
    expect(text.startsWith('-----BEGIN PGP SIGNED MESSAGE-----\n')).toBe(true);
    expect(await verifyApproval(text, keyring, expected)).toEqual({
      ok: true,
      ...approve,
      signer_fingerprint: sovereign.fingerprint,
      signed_at: signedAt.toISOString(),
    });
  });

  test('a valid deny (the caller stops with STOP_SG_DENIED)', async () => {
    const text = await signApproval({ ...approve, decision: 'deny', reason: 'backup not readable' }, sovereign.privateKeyArmored);
    expect(await verifyApproval(text, keyring, expected)).toMatchObject({ ok: true, decision: 'deny', reason: 'backup not readable' });
  });

  test('CRLF line endings and surrounding blank lines (a Windows editor) still verify', async () => {
    const text = await signApproval(approve, sovereign.privateKeyArmored);
    expect(reasonOf(await verifyApproval(`\n\n${text.replace(/\n/g, '\r\n')}\n  \n`, keyring, expected))).toBe('ok');
  });

  test('a signed body quoting the armor markers is dash-escaped and does not count as another block', async () => {
    const body = '\n-----BEGIN PGP SIGNED MESSAGE-----\n-----END PGP SIGNATURE-----\n';
    const text = await signCleartext(handMade(validFrontMatter('decision: approve\n'), body), sovereign.privateKeyArmored);
    expect(text).toContain('- -----BEGIN PGP SIGNED MESSAGE-----');
    expect(reasonOf(await verifyApproval(text, keyring, expected))).toBe('ok');
  });

  test('a multi-line reason round-trips', async () => {
    const reason = 'line one\nline two: with a colon\n- and a dash';
    const text = await signApproval({ ...approve, reason }, sovereign.privateKeyArmored);
    expect(await verifyApproval(text, keyring, expected)).toMatchObject({ ok: true, reason });
  });
});

describe('verifyApproval refuses, each attack with its own reason', () => {
  test('unsigned', async () => {
    expect(reasonOf(await verifyApproval(buildApprovalText(approve), keyring, expected))).toBe('unsigned');
  });

  test('signed by a key not in the keyring', async () => {
    const text = await signApproval(approve, outsider.privateKeyArmored);
    const verdict = await verifyApproval(text, keyring, expected);
    expect(reasonOf(verdict)).toBe('untrusted_key');
  });

  test('text altered after signing', async () => {
    const text = await signApproval({ ...approve, decision: 'deny' }, sovereign.privateKeyArmored);
    const altered = text.replace('decision: "deny"', 'decision: "approve"');
    expect(altered).not.toBe(text);
    expect(reasonOf(await verifyApproval(altered, keyring, expected))).toBe('bad_signature');
  });

  test('another run_id, another gate, another request document', async () => {
    const otherRun = await signApproval({ ...approve, run_id: uuidv7() }, sovereign.privateKeyArmored);
    expect(reasonOf(await verifyApproval(otherRun, keyring, expected))).toBe('wrong_run');
    const otherGate = await signApproval({ ...approve, gate: 'SG2' }, sovereign.privateKeyArmored);
    expect(reasonOf(await verifyApproval(otherGate, keyring, expected))).toBe('wrong_gate');
    const otherRequest = await signApproval({ ...approve, request_sha256: 'f'.repeat(64) }, sovereign.privateKeyArmored);
    expect(reasonOf(await verifyApproval(otherRequest, keyring, expected))).toBe('request_mismatch');
  });

  test('decision missing, empty, unknown or mis-cased', async () => {
    const sign = (fm: string) => signCleartext(handMade(fm), sovereign.privateKeyArmored);
    expect(reasonOf(await verifyApproval(await sign(validFrontMatter('')), keyring, expected))).toBe('decision_missing');
    expect(reasonOf(await verifyApproval(await sign(validFrontMatter('decision:\n')), keyring, expected))).toBe('decision_missing');
    expect(reasonOf(await verifyApproval(await sign(validFrontMatter('decision: maybe\n')), keyring, expected))).toBe('decision_unknown');
    expect(reasonOf(await verifyApproval(await sign(validFrontMatter('decision: Approve\n')), keyring, expected))).toBe('decision_unknown');
    expect(reasonOf(await verifyApproval(await sign(validFrontMatter('decision: [approve]\n')), keyring, expected))).toBe('decision_unknown');
  });

  test('malformed front matter: none, unclosed, bad YAML, duplicate key, unknown field, missing field', async () => {
    const cases = [
      '# no front matter\n\ndecision: approve\n',
      `---\n${validFrontMatter('decision: approve\n')}`,
      handMade(`${validFrontMatter('decision: approve\n')}  bad: [unclosed\n`),
      handMade(validFrontMatter('decision: deny\ndecision: approve\n')),
      handMade(validFrontMatter('decision: approve\napproved_by: everyone\n')),
      handMade(`gate: SG1\nrequest_sha256: ${requestSha}\ndecision: approve\nreason: x\n`),
      handMade(validFrontMatter('decision: approve\n').replace(requestSha, requestSha.toUpperCase())),
    ];
    for (const text of cases) {
      const verdict = await verifyApproval(await signCleartext(text, sovereign.privateKeyArmored), keyring, expected);
      expect({ text, reason: reasonOf(verdict) }).toEqual({ text, reason: 'malformed_front_matter' });
    }
  });

  test('unsigned text after or before the signed block that tries to override fields', async () => {
    const deny = await signApproval({ ...approve, decision: 'deny', reason: 'no' }, sovereign.privateKeyArmored);
    const override = handMade(validFrontMatter('decision: approve\n'));
    expect(reasonOf(await verifyApproval(`${deny}\n${override}`, keyring, expected))).toBe('unsigned_text_outside');
    expect(reasonOf(await verifyApproval(`${override}\n${deny}`, keyring, expected))).toBe('unsigned_text_outside');
  });

  test('two signed blocks in one file', async () => {
    const a = await signApproval(approve, sovereign.privateKeyArmored);
    const b = await signApproval({ ...approve, decision: 'deny' }, sovereign.privateKeyArmored);
    expect(reasonOf(await verifyApproval(`${a}\n${b}`, keyring, expected))).toBe('multiple_signed_blocks');
  });

  test('an armored block that does not parse', async () => {
    const text = await signApproval(approve, sovereign.privateKeyArmored);
    const broken = text.replace(/(-----BEGIN PGP SIGNATURE-----\n\n)[^\n]+\n/, '$1AAAA\n');
    expect(broken).not.toBe(text);
    expect(reasonOf(await verifyApproval(broken, keyring, expected))).toBe('malformed_signature');
    const noEnd = text.replace('-----END PGP SIGNATURE-----', '');
    expect(reasonOf(await verifyApproval(noEnd, keyring, expected))).toBe('malformed_signature');
  });

  test('a key expired at verification time (signature made while it was valid)', async () => {
    const day = 86_400;
    const created = new Date(Date.now() - 3 * day * 1000);
    const expiring = await makeSovereign({ name: 'Expired Sovereign', date: created, keyExpirationTime: day });
    const text = await signApproval(approve, expiring.privateKeyArmored, undefined, { date: new Date(created.getTime() + 3_600_000) });
    const ring = { keys: [await readKey({ armoredKey: expiring.publicKeyArmored })] };
    // while the key was still valid, the approval verified
    expect(reasonOf(await verifyApproval(text, ring, expected, new Date(created.getTime() + 7_200_000)))).toBe('ok');
    expect(reasonOf(await verifyApproval(text, ring, expected))).toBe('key_expired');
  });

  test('a revoked key in the keyring (revoked after signing)', async () => {
    const revoking = await makeSovereign({ name: 'Revoked Sovereign' });
    const text = await signApproval(approve, revoking.privateKeyArmored, undefined, { date: new Date(Date.now() - 60_000) });
    const { publicKey } = await revokeKey({ key: await readPrivateKey({ armoredKey: revoking.privateKeyArmored }), format: 'object' });
    expect(reasonOf(await verifyApproval(text, { keys: [publicKey] }, expected))).toBe('key_revoked');
  });

  test('a key revoked with its published revocation certificate', async () => {
    const revoking = await makeSovereign({ name: 'Cert Revoked' });
    const text = await signApproval(approve, revoking.privateKeyArmored, undefined, { date: new Date(Date.now() - 60_000) });
    const { publicKey } = await revokeKey({
      key: await readKey({ armoredKey: revoking.publicKeyArmored }),
      revocationCertificate: revoking.revocationCertificate,
      format: 'object',
    });
    expect(reasonOf(await verifyApproval(text, { keys: [publicKey] }, expected))).toBe('key_revoked');
  });

  test('a signature dated after the verification time', async () => {
    const text = await signApproval(approve, sovereign.privateKeyArmored, undefined, { date: new Date(Date.now() + 3_600_000) });
    expect(reasonOf(await verifyApproval(text, keyring, expected))).toBe('bad_signature');
  });
});
