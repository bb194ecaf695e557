/**
 * Decides whether a void document counts (DESIGN §5, §6 rules applied to voids): exactly one
 * cleartext-signed block, every signature by a key of the trusted keyring that is neither revoked
 * nor expired, the text unaltered, and front matter — read from the *verified* text only — that is
 * a valid void of the expected run.
 */
import { readCleartextMessage, verify, type CleartextMessage, type PublicKey } from 'openpgp';
import { parse } from 'yaml';
import { refuse, type ApprovalRefusal } from '../approval/approvalRefusal.js';
import { extractSignedBlock } from '../approval/extractSignedBlock.js';
import { VoidFieldsSchema, type VoidFields } from './voidFields.js';

/** A valid void: its fields, the signer (lowercase hex fingerprint) and the signature time (ISO UTC). */
export interface AcceptedVoid {
  ok: true;
  fields: VoidFields;
  signer_fingerprint: string;
  signed_at: string;
}

/** Result of {@link verifyVoidDocument}: refusals reuse the approval reason codes (`APPROVAL_REFUSALS`). */
export type VoidVerdict = AcceptedVoid | ApprovalRefusal;

/** Revoked, expired or unusable signing keys are refused like approvals (DESIGN §6). */
async function keyProblem(key: PublicKey, keyID: ReturnType<CleartextMessage['getSigningKeyIDs']>[number], now: Date): Promise<ApprovalRefusal | null> {
  const fingerprint = key.getFingerprint();
  if (await key.isRevoked(undefined, undefined, now)) return refuse('key_revoked', `signer key ${fingerprint} is revoked`);
  const expires = await key.getExpirationTime();
  if (expires === null || (expires instanceof Date && expires.getTime() <= now.getTime())) return refuse('key_expired', `signer key ${fingerprint} is expired`);
  try {
    await key.getSigningKey(keyID, now);
  } catch (error) {
    return refuse('bad_signature', `key ${fingerprint} cannot vouch for this signature: ${(error as Error).message}`);
  }
  return null;
}

/** Reads and validates the front matter of the verified text. */
function readFields(verifiedText: string): { ok: true; fields: VoidFields } | ApprovalRefusal {
  const lines = verifiedText.replace(/\r\n/g, '\n').split('\n');
  const close = lines.findIndex((l, i) => i > 0 && l.trimEnd() === '---');
  if (lines[0]?.trimEnd() !== '---' || close < 0) return refuse('malformed_front_matter', 'the signed text has no --- front matter block');
  let data: unknown;
  try {
    // uniqueKeys: a second `run_id:` must not override the first; zod then checks every type.
    data = parse(lines.slice(1, close).join('\n'), { uniqueKeys: true, prettyErrors: false });
  } catch (error) {
    return refuse('malformed_front_matter', `the front matter is not valid YAML: ${(error as Error).message.split('\n')[0] ?? ''}`);
  }
  const parsed = VoidFieldsSchema.safeParse(data);
  if (!parsed.success) {
    return refuse('malformed_front_matter', parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; '));
  }
  return { ok: true, fields: parsed.data };
}

/**
 * @param text - the void file's full text
 * @param keyring - the trusted sovereign keys (`loadKeyring`)
 * @param expected - the run the void must name
 * @param now - verification time
 * @returns the accepted void, or a refusal `{ ok: false, reason, message }`; never throws for a bad file
 */
export async function verifyVoidDocument(text: string, keyring: { keys: readonly PublicKey[] }, expected: { run_id: string }, now: Date = new Date()): Promise<VoidVerdict> {
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
  const signers: PublicKey[] = [];
  for (const keyID of keyIDs) {
    const key = keyring.keys.find((k) => k.getKeys(keyID).length > 0);
    if (key === undefined) return refuse('untrusted_key', `signed by key ${keyID.toHex()}, which is not in the trusted keyring`);
    const problem = await keyProblem(key, keyID, now);
    if (problem) return problem;
    signers.push(key);
  }
  let verifiedText: string;
  let signedAt: Date | undefined;
  try {
    const result = await verify({ message, verificationKeys: signers, expectSigned: true, date: now });
    for (const signature of result.signatures) await signature.verified;
    const first = result.signatures[0];
    signedAt = first ? ((await first.signature).packets[0]?.created ?? undefined) : undefined;
    verifiedText = result.data;
  } catch (error) {
    return refuse('bad_signature', `the signature does not verify (text altered after signing?): ${(error as Error).message}`);
  }
  if (signedAt === undefined) return refuse('bad_signature', 'the signature has no creation time');
  const fields = readFields(verifiedText);
  if (!fields.ok) return fields;
  if (fields.fields.run_id !== expected.run_id) return refuse('wrong_run', `the void names run ${fields.fields.run_id}, expected ${expected.run_id}`);
  return { ok: true, fields: fields.fields, signer_fingerprint: (signers[0] as PublicKey).getFingerprint(), signed_at: signedAt.toISOString() };
}
