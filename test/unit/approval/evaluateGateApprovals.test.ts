import { createHash } from 'node:crypto';
import { readKey, type PublicKey } from 'openpgp';
import { uuidv7 } from 'uuidv7';
import { beforeAll, describe, expect, test } from 'vitest';
import { type ApprovalFields, buildApprovalText, signApproval } from '../../../src/approval/approvalDocument.js';
import { evaluateGateApprovals, type ApprovalFile } from '../../../src/approval/evaluateGateApprovals.js';
import { parseSidecar } from '../../../src/sidecar/parseSidecar.js';
import type { SovereignKeyPair } from '../../../src/keys/generateSovereignKey.js';
import { makeSovereign } from '../../support/sovereignKeys.js';
import { freshRunContext, sampleSnapshot } from '../sidecar/sampleRunContext.js';

const runId = uuidv7();
const requestSha = createHash('sha256').update('request').digest('hex');
const expected = { gate: 'SG1', run_id: runId, request_sha256: requestSha } as const;
const fields: ApprovalFields = { ...expected, decision: 'approve', reason: 'ok' };

let ada: SovereignKeyPair;
let mallory: SovereignKeyPair;
let keyring: { keys: PublicKey[] };
beforeAll(async () => {
  ada = await makeSovereign({ name: 'Ada Gate' });
  mallory = await makeSovereign({ name: 'Mallory Gate' });
  keyring = { keys: [await readKey({ armoredKey: ada.publicKeyArmored })] };
});

const file = (name: string, text: string): ApprovalFile => ({ name, bytes: new TextEncoder().encode(text) });
const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000);

describe('evaluateGateApprovals', () => {
  test('an invalid first file does not block a later valid one; refused files are listed with reasons', async () => {
    const files = [
      file('SG1-cut-authz-approval-20260520.md', await signApproval(fields, mallory.privateKeyArmored)),
      file('SG1-cut-authz-approval-20260520-2.md', buildApprovalText(fields)),
      file('SG1-cut-authz-approval-20260520-3.md', await signApproval(fields, ada.privateKeyArmored, undefined, { date: at(5) })),
    ];
    const result = await evaluateGateApprovals(files, keyring, expected);
    expect(result.accepted).toMatchObject({ name: 'SG1-cut-authz-approval-20260520-3.md', decision: 'approve', signer_fingerprint: ada.fingerprint });
    expect(result.accepted?.sha256).toBe(createHash('sha256').update(files[2]?.bytes ?? new Uint8Array()).digest('hex'));
    expect(result.refused.map((r) => [r.name, r.reason])).toEqual([
      ['SG1-cut-authz-approval-20260520-2.md', 'unsigned'],
      ['SG1-cut-authz-approval-20260520.md', 'untrusted_key'],
    ]);
    // the outcome fits the machine's approvals.SG1 record (the sidecar's snapshot context)
    const fresh = freshRunContext();
    const ctx = { ...fresh, snapshot: sampleSnapshot(fresh, { approvals: { SG1: { verdict: 'invalid', ...result, since: null }, SG2: { verdict: null, accepted: null, refused: [], since: null } } }, 'active', { SG1: 'awaiting' }) };
    expect(parseSidecar(ctx).ok).toBe(true);
  });

  test('no valid file keeps the gate closed', async () => {
    const result = await evaluateGateApprovals([file('SG1-cut-authz-approval-20260520.md', 'hello')], keyring, expected);
    expect(result).toMatchObject({ accepted: null, refused: [{ reason: 'unsigned' }] });
    expect(await evaluateGateApprovals([], keyring, expected)).toEqual({ accepted: null, refused: [] });
  });

  test('a valid deny wins over a valid approve, whatever the order', async () => {
    const approveEarly = await signApproval(fields, ada.privateKeyArmored, undefined, { date: at(10) });
    const denyLate = await signApproval({ ...fields, decision: 'deny', reason: 'no' }, ada.privateKeyArmored, undefined, { date: at(1) });
    const result = await evaluateGateApprovals(
      [file('SG1-cut-authz-approval-20260520.md', approveEarly), file('SG1-cut-authz-approval-20260520-2.md', denyLate)],
      keyring,
      expected,
    );
    expect(result.accepted?.decision).toBe('deny');
    expect(result.refused).toEqual([]);
  });

  test('non-UTF-8 bytes are refused, not thrown', async () => {
    const result = await evaluateGateApprovals([{ name: 'SG1-cut-authz-approval-20260520.md', bytes: Uint8Array.from([0xff, 0xfe, 0x00]) }], keyring, expected);
    expect(result.refused[0]?.reason).toBe('malformed_signature');
  });
});
