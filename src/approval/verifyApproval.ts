/**
 * Decides whether one approval file counts (DESIGN §6; STACK-NOTES "openpgp v6").
 *
 * An approval counts only when: the file is exactly one cleartext-signed block; every signature
 * in it is made by a key of the trusted keyring that is neither revoked nor expired at `now`; the
 * signatures verify (the text is unaltered); and the front matter of the *verified* text binds it
 * to the expected gate, run and request document and carries a known decision. Otherwise it is
 * refused with one reason code (see `APPROVAL_REFUSALS`) and the run stays at its gate.
 */
import { readCleartextMessage, verify, type CleartextMessage, type PublicKey } from 'openpgp';
import type { Gate } from '../sidecar/phases.js';
import { refuse, type ApprovalRefusal } from './approvalRefusal.js';
import { extractSignedBlock } from './extractSignedBlock.js';
import { parseApprovalText } from './parseApprovalText.js';

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

type Signer = { key: PublicKey; keyID: ReturnType<CleartextMessage['getSigningKeyIDs']>[number] };

/** Revocation is checked before expiry: a revoked key's withdrawal is the stronger statement. */
async function signerProblem({ key, keyID }: Signer, now: Date): Promise<ApprovalRefusal | null> {
  const fingerprint = key.getFingerprint();
  if (await key.isRevoked(undefined, undefined, now)) return refuse('key_revoked', `signer key ${fingerprint} is revoked`);
  const expires = await key.getExpirationTime();
  if (expires === null || (expires instanceof Date && expires.getTime() <= now.getTime())) {
    return refuse('key_expired', `signer key ${fingerprint} expired${expires instanceof Date ? ` at ${expires.toISOString()}` : ''}`);
  }
  try {
    await key.getSigningKey(keyID, now);
  } catch (error) {
    const text = (error as Error).message;
    if (/revoked/i.test(text)) return refuse('key_revoked', `signing subkey ${keyID.toHex()} of ${fingerprint} is revoked`);
    if (/expired/i.test(text)) return refuse('key_expired', `signing subkey ${keyID.toHex()} of ${fingerprint} is expired`);
    return refuse('bad_signature', `key ${fingerprint} cannot vouch for this signature: ${text}`);
  }
  return null;
}

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
  const extracted = extractSignedBlock(text);
  if (!extracted.ok) return extracted;

  let message: CleartextMessage;
  try {
    message = await readCleartextMessage({ cleartextMessage: extracted.block });
  } catch (error) {
    return refuse('malformed_signature', `the signed block cannot be parsed: ${(error as Error).message}`);
  }
  const keyIDs = message.getSigningKeyIDs();
  if (keyIDs.length === 0) return refuse('unsigned', 'the signed block carries no signature');

  const signers: Signer[] = [];
  for (const keyID of keyIDs) {
    const key = keyring.keys.find((k) => k.getKeys(keyID).length > 0);
    if (key === undefined) return refuse('untrusted_key', `signed by key ${keyID.toHex()}, which is not in the trusted keyring`);
    signers.push({ key, keyID });
  }
  for (const signer of signers) {
    const problem = await signerProblem(signer, now);
    if (problem) return problem;
  }

  let verifiedText: string;
  let signedAt: Date | undefined;
  try {
    const result = await verify({ message, verificationKeys: signers.map((s) => s.key), expectSigned: true, date: now });
    // expectSigned only needs one good signature: every signature in the block must hold.
    for (const signature of result.signatures) await signature.verified;
    const first = result.signatures[0];
    const packet = first ? (await first.signature).packets[0] : undefined;
    signedAt = packet?.created ?? undefined;
    verifiedText = result.data;
  } catch (error) {
    return refuse('bad_signature', `the signature does not verify (text altered after signing?): ${(error as Error).message}`);
  }
  if (signedAt === undefined) return refuse('bad_signature', 'the signature has no creation time');

  const fields = parseApprovalText(verifiedText);
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
    signer_fingerprint: (signers[0] as Signer).key.getFingerprint(),
    signed_at: signedAt.toISOString(),
  };
}
