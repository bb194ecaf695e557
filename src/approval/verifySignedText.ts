/**
 * Verifies one OpenPGP cleartext-signed sovereign document — approval or void — against the trusted
 * keyring (DESIGN §6; STACK-NOTES "openpgp v6"). The single place where a sovereign signature is
 * judged: callers read their front matter only from the text this returns, never from the raw file.
 */
import { readCleartextMessage, verify, type CleartextMessage, type PublicKey } from 'openpgp';
import { refuse, type ApprovalRefusal } from './approvalRefusal.js';
import { extractSignedBlock } from './extractSignedBlock.js';

/** A signed text whose every signature holds at `now`. */
export interface VerifiedSignedText {
  ok: true;
  /** the signed text as verified: cleartext, trailing whitespace of each line stripped (RFC 4880 §7.1) */
  text: string;
  /** creation time of the first signature */
  signedAt: Date;
  /** lowercase hex fingerprints of the signing (primary) keys, one per signature, in signature order */
  signerFingerprints: [string, ...string[]];
}

/** Result of {@link verifySignedText}. */
export type SignedTextVerdict = VerifiedSignedText | ApprovalRefusal;

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
    // openpgp names the failing packet's state only in its message ("Subkey is revoked", "… is expired").
    const text = (error as Error).message;
    if (/revoked/i.test(text)) return refuse('key_revoked', `signing subkey ${keyID.toHex()} of ${fingerprint} is revoked`);
    if (/expired/i.test(text)) return refuse('key_expired', `signing subkey ${keyID.toHex()} of ${fingerprint} is expired`);
    return refuse('bad_signature', `key ${fingerprint} cannot vouch for this signature: ${text}`);
  }
  return null;
}

/**
 * Accepts the text only when: it is exactly one cleartext-signed block (`extractSignedBlock`); every
 * signature in it is made by a key of the trusted keyring; none of those keys (or their signing
 * subkeys) is revoked or expired at `now`; and every signature verifies at `now` (text unaltered,
 * not dated after `now`).
 *
 * @param text - the document's full text, as read from the KB
 * @param keyring - the trusted public keys (see `loadKeyring`)
 * @param now - verification time (keys must be valid then; signatures may not be from later)
 * @returns the verified text, signature time and signer fingerprints, or a refusal
 *   `{ ok: false, reason, message }` with one of: `unsigned`, `multiple_signed_blocks`,
 *   `unsigned_text_outside`, `malformed_signature`, `untrusted_key`, `key_revoked`, `key_expired`,
 *   `bad_signature` (see `APPROVAL_REFUSALS`); never throws for a bad file
 */
export async function verifySignedText(text: string, keyring: { keys: readonly PublicKey[] }, now: Date): Promise<SignedTextVerdict> {
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

  // Every signer must be trusted before any is judged, so an untrusted co-signer is named as such.
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
  // Non-empty: a block without signing key ids was refused as `unsigned` above.
  const signerFingerprints = signers.map((s) => s.key.getFingerprint()) as [string, ...string[]];
  return { ok: true, text: verifiedText, signedAt, signerFingerprints };
}
