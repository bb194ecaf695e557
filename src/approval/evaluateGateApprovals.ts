/**
 * Considers every approval file of one gate (DESIGN §6) and says whether the gate opens.
 */
import { createHash } from 'node:crypto';
import type { PublicKey } from 'openpgp';
import type { AcceptedApproval, RefusedApproval } from '../../machines/types.js';
import { verifyApproval, type ExpectedApproval } from './verifyApproval.js';

/** One approval file found in the run's KB folder: its name and its exact bytes. */
export interface ApprovalFile {
  name: string;
  bytes: Uint8Array;
}

/** The gate's outcome; the machine records it in `context.approvals.<gate>` with its verdict. */
export interface GateApprovals {
  /** the approval that decides the gate, or null (the run stays `awaiting_sgN`) */
  accepted: AcceptedApproval | null;
  /** every refused file with its reason code; listed in the next report */
  refused: RefusedApproval[];
}

/**
 * Verifies each file on its own, so an invalid file never blocks a later valid one. Among valid
 * approvals a deny wins over any approve (a sovereign's refusal must not be outvoted by file
 * order); otherwise the earliest-signed approve is accepted. Files are taken in name order, so the
 * result does not depend on directory listing order.
 *
 * @param files - every `SGn-…-approval-<date>[-k].md` of the gate (the caller lists them)
 * @param keyring - the trusted keys (see `loadKeyring`)
 * @param expected - gate, run_id and request_sha256 of the uploaded request
 * @param now - verification time
 * @returns the accepted approval (or null) and the refused files; never throws for a bad file
 */
export async function evaluateGateApprovals(
  files: readonly ApprovalFile[],
  keyring: { keys: readonly PublicKey[] },
  expected: ExpectedApproval,
  now: Date = new Date(),
): Promise<GateApprovals> {
  const valid: AcceptedApproval[] = [];
  const refused: RefusedApproval[] = [];
  for (const file of [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const sha256 = createHash('sha256').update(file.bytes).digest('hex');
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(file.bytes);
    } catch {
      refused.push({ name: file.name, sha256, reason: 'malformed_signature', message: 'the file is not UTF-8 text' });
      continue;
    }
    const verdict = await verifyApproval(text, keyring, expected, now);
    if (verdict.ok) {
      valid.push({ name: file.name, sha256, signer_fingerprint: verdict.signer_fingerprint, decision: verdict.decision, signed_at: verdict.signed_at, reason: verdict.reason });
    } else {
      refused.push({ name: file.name, sha256, reason: verdict.reason, message: verdict.message });
    }
  }
  const byTime = [...valid].sort((a, b) => a.signed_at.localeCompare(b.signed_at));
  const accepted = byTime.find((a) => a.decision === 'deny') ?? byTime[0] ?? null;
  return { accepted, refused };
}
