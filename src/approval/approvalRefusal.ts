/**
 * Why an approval file is refused (DESIGN §6). Each reason is its own code so the next report
 * can list refused files precisely; the run stays at its gate (STOP_APPROVAL_INVALID).
 */

/**
 * - `unsigned` — no cleartext-signed block (or a block without signatures)
 * - `multiple_signed_blocks` — more than one signed block in the file
 * - `unsigned_text_outside` — non-whitespace bytes before `BEGIN PGP SIGNED MESSAGE` or after `END PGP SIGNATURE`
 * - `malformed_signature` — the armored block cannot be parsed
 * - `untrusted_key` — signed by a key not in the trusted keyring
 * - `key_revoked` / `key_expired` — the signer's key is revoked / expired at verification time
 * - `bad_signature` — the signature does not verify (text altered after signing, or signature invalid)
 * - `malformed_front_matter` — no `---` front matter, bad YAML, unknown or missing/invalid fields
 * - `wrong_gate` / `wrong_run` / `request_mismatch` — bound to another gate, run or request document
 * - `decision_missing` / `decision_unknown` — no decision, or not `approve` / `deny`
 * - `not_committed` — the file is in the KB work tree only: not evidence until committed (DESIGN §6)
 * - `misnamed` — an approval-like file under a name the gate does not read (e.g. gpg's `….md.asc`)
 */
export const APPROVAL_REFUSALS = [
  'unsigned',
  'multiple_signed_blocks',
  'unsigned_text_outside',
  'malformed_signature',
  'untrusted_key',
  'key_revoked',
  'key_expired',
  'bad_signature',
  'malformed_front_matter',
  'wrong_gate',
  'wrong_run',
  'request_mismatch',
  'decision_missing',
  'decision_unknown',
  'not_committed',
  'misnamed',
] as const;

/** One refusal reason code. */
export type ApprovalRefusalReason = (typeof APPROVAL_REFUSALS)[number];

/** A refusal as data: the code and a one-line message (never a secret). */
export interface ApprovalRefusal {
  ok: false;
  reason: ApprovalRefusalReason;
  message: string;
}

/** Builds an {@link ApprovalRefusal}. */
export function refuse(reason: ApprovalRefusalReason, message: string): ApprovalRefusal {
  return { ok: false, reason, message };
}
