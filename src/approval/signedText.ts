/**
 * OpenPGP cleartext-signed sovereign texts (RFC 4880 §7; DESIGN §5, §6), approvals and voids alike:
 * signing (the form `gpg --clearsign` produces), finding the one signed block of a file, and
 * verifying it against the trusted keyring.
 */
import { createCleartextMessage, sign, readCleartextMessage, verify, type CleartextMessage, type PublicKey } from 'openpgp';
import { unlockPrivateKey } from '../keys/unlockPrivateKey.js';
import { refuse, type ApprovalRefusal } from './approvalRefusal.js';

/**
 * @param text - the text to sign (trailing whitespace on lines is not covered by the signature)
 * @param privateKeyArmored - the signer's armored private key (a secret: never logged)
 * @param passphrase - unlocks a protected key
 * @param date - signature creation time; defaults to now
 * @returns the armored `-----BEGIN PGP SIGNED MESSAGE-----` … `-----END PGP SIGNATURE-----` text
 * @throws InputError when the key cannot be read, is public only, or the passphrase is missing or
 *   wrong (the message never contains the passphrase or key material)
 */
export async function signCleartext(text: string, privateKeyArmored: string, passphrase?: string, date?: Date): Promise<string> {
  const key = await unlockPrivateKey(privateKeyArmored, passphrase, 'signing key');
  const message = await createCleartextMessage({ text });
  return sign({ message, signingKeys: key, format: 'armored', ...(date ? { date } : {}) });
}

const BEGIN = '-----BEGIN PGP SIGNED MESSAGE-----';
const END = '-----END PGP SIGNATURE-----';

/**
 * Markers are matched as whole lines (trailing whitespace ignored). Inside a signed block every
 * line of the signed text starting with `-` is dash-escaped (`- -----BEGIN…`), so a marker quoted
 * in the signed text never counts.
 *
 * @returns the block from its BEGIN line through its END line, or a refusal:
 *   `unsigned`, `multiple_signed_blocks`, `unsigned_text_outside` or `malformed_signature`
 */
export function extractSignedBlock(text: string): { ok: true; block: string } | ApprovalRefusal {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const begins = lines.flatMap((l, i) => (l.trimEnd() === BEGIN ? [i] : []));
  const ends = lines.flatMap((l, i) => (l.trimEnd() === END ? [i] : []));
  if (begins.length === 0) {
    const other = lines.some((l) => /^-----BEGIN PGP (MESSAGE|SIGNATURE)-----\s*$/.test(l));
    return refuse('unsigned', other ? 'not a cleartext-signed message (sign with gpg --clearsign)' : 'the file carries no OpenPGP cleartext signature');
  }
  if (begins.length > 1 || ends.length > 1) return refuse('multiple_signed_blocks', `the file holds ${Math.max(begins.length, ends.length)} signed blocks; exactly one is allowed`);
  const begin = begins[0] ?? 0;
  const end = ends[0];
  if (end === undefined || end < begin) return refuse('malformed_signature', 'the signed block has no -----END PGP SIGNATURE----- line after its BEGIN line');
  const before = lines.slice(0, begin).join('\n');
  const after = lines.slice(end + 1).join('\n');
  if (before.trim() !== '' || after.trim() !== '') {
    const where = before.trim() !== '' ? `before line ${begin + 1}` : `after line ${end + 1}`;
    return refuse('unsigned_text_outside', `unsigned text ${where}: only the signed block may be in the file`);
  }
  return { ok: true, block: `${lines.slice(begin, end + 1).join('\n')}\n` };
}

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
