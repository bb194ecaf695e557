/**
 * The idempotency key of every phase, exactly as reference §4 (DESIGN §4).
 *
 * `‖` in the note is plain concatenation of the hex/text strings with no separator; the result is
 * sha256 of the UTF-8 bytes of that concatenation, as 64 lowercase hex. Phases whose key is a DB
 * row id (cut_leg_a, leg_b_record, write_verify, lifecycle_enact) and cutplan (writer_digest is
 * already canonical) return their input unchanged, so every phase has one function to call.
 *
 * Pure functions: no I/O, no validation beyond what the chain check does (see `verifyKeyChain`).
 */
import { createHash } from 'node:crypto';

/** sha256 of the UTF-8 bytes of the plain concatenation of `parts`, as 64 lowercase hex. */
export function sha256Concat(...parts: readonly string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part, 'utf8');
  return hash.digest('hex');
}

/** source_pin = sha256(document_id ‖ source_version_id) (reference §4). */
export function sourcePinKey(documentId: string, sourceVersionId: string): string {
  return sha256Concat(documentId, sourceVersionId);
}

/** mark = sha256(source_pin_key ‖ region_sha) (reference §4). */
export function markKey(sourcePin: string, regionSha: string): string {
  return sha256Concat(sourcePin, regionSha);
}

/** cutplan = writer_digest, already canonical (reference §4, §6). */
export function cutplanKey(writerDigest: string): string {
  return writerDigest;
}

/** backup = sha256(cutplan_key ‖ backup_sha) (reference §4). */
export function backupKey(cutplan: string, backupSha: string): string {
  return sha256Concat(cutplan, backupSha);
}

/** grant_probe = sha256(backup_key ‖ grant_probe_sha) (reference §4). */
export function grantProbeKey(backup: string, grantProbeSha: string): string {
  return sha256Concat(backup, grantProbeSha);
}

/** cut_leg_a = change_set_id, the UUIDv7 of the `cut_change_set` row (reference §4). */
export function cutLegAKey(changeSetId: string): string {
  return changeSetId;
}

/** structural_verify = sha256(change_set_id ‖ structural_verify_payload_sha) (reference §4). */
export function structuralVerifyKey(changeSetId: string, payloadSha: string): string {
  return sha256Concat(changeSetId, payloadSha);
}

/** leg_b_record = manifest_envelope_id, the UUIDv7 from LegBRecorder (reference §4). */
export function legBRecordKey(manifestEnvelopeId: string): string {
  return manifestEnvelopeId;
}

/** write_verify = verify_result_id, the UUIDv7 from VerifyRecorder (reference §4). */
export function writeVerifyKey(verifyResultId: string): string {
  return verifyResultId;
}

/** lifecycle_enact = review_decision_id, one per run (reference §4). */
export function lifecycleEnactKey(reviewDecisionId: string): string {
  return reviewDecisionId;
}

/**
 * closeout = sha256(all prior keys in phase order concatenated ‖ final_report_sha) (reference §4).
 *
 * @param priorKeys - the ten keys source_pin … lifecycle_enact, in phase order
 * @throws RangeError when not exactly ten keys are given (a shorter chain would hash silently)
 */
export function closeoutKey(priorKeys: readonly string[], finalReportSha: string): string {
  if (priorKeys.length !== 10) throw new RangeError(`closeoutKey needs the 10 prior keys in phase order, got ${priorKeys.length}`);
  return sha256Concat(...priorKeys, finalReportSha);
}
