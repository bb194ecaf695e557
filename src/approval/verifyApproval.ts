/**
 * Decides whether one approval file counts (DESIGN §6; STACK-NOTES "openpgp v6").
 *
 * An approval counts only when its signature holds (`verifySignedText`: exactly one cleartext-signed
 * block; every signature by a key of the trusted keyring that is neither revoked nor expired at
 * `now`; the text unaltered) and the front matter of the *verified* text binds it to the expected
 * gate, run and request document and carries a known decision. Otherwise it is refused with one
 * reason code (see `APPROVAL_REFUSALS`) and the run stays at its gate.
 */
import type { PublicKey } from 'openpgp';
import type { Gate } from '../sidecar/phases.js';
import { refuse, type ApprovalRefusal } from './approvalRefusal.js';
import { parseApprovalText } from './approvalDocument.js';
import { verifySignedText } from './signedText.js';

/** What the approval must be bound to. */
export interface ExpectedApproval {
  gate: Gate;
  run_id: string;
  /** sha256 (64 lowercase hex) of the uploaded request document's bytes */
  request_sha256: string;
}

/** A valid approval, read from the verified text. `signer_fingerprint` is lowercase hex. */
export interface AcceptedApprovalResult {
  ok: true;
  gate: Gate;
  run_id: string;
  request_sha256: string;
  decision: 'approve' | 'deny';
  reason: string;
  signer_fingerprint: string;
  /** signature creation time, ISO UTC */
  signed_at: string;
}

/** Result of {@link verifyApproval}. */
export type ApprovalVerdict = AcceptedApprovalResult | ApprovalRefusal;

/**
 * @param text - the approval file's full text, as read from the KB
 * @param keyring - the trusted public keys (see `loadKeyring`)
 * @param expected - gate, run_id and request_sha256 the approval must match
 * @param now - verification time (keys must be valid then; signatures may not be from later)
 * @returns the accepted fields, or a refusal `{ ok: false, reason, message }`; never throws for a
 *   bad file
 */
export async function verifyApproval(
  text: string,
  keyring: { keys: readonly PublicKey[] },
  expected: ExpectedApproval,
  now: Date = new Date(),
): Promise<ApprovalVerdict> {
  const signed = await verifySignedText(text, keyring, now);
  if (!signed.ok) return signed;

  const fields = parseApprovalText(signed.text);
  if (!fields.ok) return fields;
  if (fields.gate !== expected.gate) return refuse('wrong_gate', `the approval is for gate ${fields.gate}, expected ${expected.gate}`);
  if (fields.run_id !== expected.run_id) return refuse('wrong_run', `the approval is for run ${fields.run_id}, expected ${expected.run_id}`);
  if (fields.request_sha256 !== expected.request_sha256) {
    return refuse('request_mismatch', `the approval binds request ${fields.request_sha256}, but the uploaded request is ${expected.request_sha256}`);
  }
  if (fields.decision === undefined) return refuse('decision_missing', 'the approval has no decision (approve | deny)');
  if (fields.decision !== 'approve' && fields.decision !== 'deny') {
    return refuse('decision_unknown', `decision ${JSON.stringify(fields.decision)} is neither approve nor deny`);
  }
  return {
    ok: true,
    gate: expected.gate,
    run_id: fields.run_id,
    request_sha256: fields.request_sha256,
    decision: fields.decision,
    reason: fields.reason,
    signer_fingerprint: signed.signerFingerprints[0],
    signed_at: signed.signedAt.toISOString(),
  };
}
