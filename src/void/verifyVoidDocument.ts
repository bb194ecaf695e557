/**
 * Decides whether a void document counts (DESIGN §5, §6 rules applied to voids): its signature
 * holds exactly as an approval's must (`verifySignedText`: one cleartext-signed block, every
 * signature by a key of the trusted keyring that is neither revoked nor expired, the text
 * unaltered), and its front matter — read from the *verified* text only — is a valid void of the
 * expected run.
 */
import type { PublicKey } from 'openpgp';
import { refuse, type ApprovalRefusal } from '../approval/approvalRefusal.js';
import { readFrontMatter } from '../approval/readFrontMatter.js';
import { verifySignedText } from '../approval/verifySignedText.js';
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

/** Reads and validates the front matter of the verified text against `VoidFieldsSchema`. */
function readFields(verifiedText: string): { ok: true; fields: VoidFields } | ApprovalRefusal {
  // core schema, not failsafe: `change_set_id: null` must read as null; zod then checks every type.
  const read = readFrontMatter(verifiedText, 'core');
  if (!read.ok) return read;
  const parsed = VoidFieldsSchema.safeParse(read.data);
  if (!parsed.success) {
    return refuse('malformed_front_matter', parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; '));
  }
  return { ok: true, fields: parsed.data };
}

/**
 * @param text - the void file's full text
 * @param keyring - the trusted sovereign keys (`loadKeyring`)
 * @param expected - the run the void must name
 * @param now - verification time (keys must be valid then; signatures may not be from later)
 * @returns the accepted void, or a refusal `{ ok: false, reason, message }`: the signature reasons
 *   of `verifySignedText`, `malformed_front_matter` or `wrong_run`; never throws for a bad file
 */
export async function verifyVoidDocument(text: string, keyring: { keys: readonly PublicKey[] }, expected: { run_id: string }, now: Date = new Date()): Promise<VoidVerdict> {
  const signed = await verifySignedText(text, keyring, now);
  if (!signed.ok) return signed;
  const fields = readFields(signed.text);
  if (!fields.ok) return fields;
  if (fields.fields.run_id !== expected.run_id) return refuse('wrong_run', `the void names run ${fields.fields.run_id}, expected ${expected.run_id}`);
  return { ok: true, fields: fields.fields, signer_fingerprint: signed.signerFingerprints[0], signed_at: signed.signedAt.toISOString() };
}
