/**
 * A sovereign void document `VOID-<YYYYMMDD>[-n].md` (DESIGN §5): its fields, name, text and
 * verification.
 */
import { z } from 'zod';
import { writeFrontMatter, readFrontMatter } from '../approval/frontMatter.js';
import { isUtcDateStamp } from '../kb/utcStamp.js';
import type { PublicKey } from 'openpgp';
import { refuse, type ApprovalRefusal } from '../approval/approvalRefusal.js';
import { verifySignedText } from '../approval/signedText.js';

/**
 * Front matter of a void document. `change_set_id` is null when leg A never wrote a change set
 * (the void then only frees the document for a new run, DESIGN §5 layer 1).
 */
export const VoidFieldsSchema = z.strictObject({
  action: z.literal('void'),
  run_id: z.uuid({ message: 'must be a UUID' }),
  change_set_id: z.uuid({ message: 'must be a UUID or null' }).nullable(),
  document_id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be a law-id slug'),
  source_version_id: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex (sha256 of the source)'),
  reason: z.string().trim().min(1, 'must say why'),
});

/** The fields of one void document. */
export type VoidFields = z.infer<typeof VoidFieldsSchema>;

/** Front-matter keys in the order they are written. */
export const VOID_FIELD_ORDER = ['action', 'run_id', 'change_set_id', 'document_id', 'source_version_id', 'reason'] as const satisfies readonly (keyof VoidFields)[];

/**
 * Builds `---\n<yaml front matter>---\n\n# Void · <run_id>\n\n<one paragraph>\n` (`writeFrontMatter`). Strings are
 * written double-quoted so no YAML reader turns an id or digest into a number; a missing change
 * set is written as `change_set_id: null`.
 *
 * @throws InputError listing every invalid field (the first one's path in `where.field`)
 */
export function buildVoidText(fields: VoidFields): string {
  const { fields: f, frontMatter } = writeFrontMatter(VoidFieldsSchema, VOID_FIELD_ORDER, fields, 'void');
  const what = f.change_set_id === null
    ? 'No change set was written by this run; the void frees the document for a new run.'
    : `The change set ${f.change_set_id} is void; its rows stay and are reverted only by the sovereign runbook sql/lifecycle/rollback_runbook.sql.`;
  return `${frontMatter}\n# Void · ${f.run_id}\n\nThe sovereign voids run ${f.run_id} of ${f.document_id} (source ${f.source_version_id}). ${what}\n`;
}

/** `VOID-<date>.md` for ordinal 1, `VOID-<date>-<n>.md` for n ≥ 2. */
export function voidDocumentName(date: string, ordinal = 1): string {
  return `VOID-${date}${ordinal >= 2 ? `-${ordinal}` : ''}.md`;
}

/** Whether `name` is a void document name with a real UTC date (and no `-1` suffix). */
export function isVoidDocumentName(name: string): boolean {
  const match = /^VOID-(\d{8})(?:-([2-9]|[1-9]\d+))?\.md$/.exec(name);
  return match !== null && isUtcDateStamp(match[1] ?? '');
}

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
