/**
 * An approval document (DESIGN §6): its fields, its markdown text, parsing it back, and signing it.
 */
import { z } from 'zod';
import { writeFrontMatter, readFrontMatter } from './frontMatter.js';
import { refuse, type ApprovalRefusal } from './approvalRefusal.js';
import { signCleartext } from './signedText.js';

/** Front matter of an approval. `reason` is free text (why approve / deny), may span lines. */
export const ApprovalFieldsSchema = z.strictObject({
  gate: z.enum(['SG1', 'SG2']),
  run_id: z.uuid({ message: 'must be a UUID' }),
  request_sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex: sha256 of the uploaded request document'),
  decision: z.enum(['approve', 'deny']),
  reason: z.string().trim().min(1, 'must say why'),
});

/** The fields of one approval. */
export type ApprovalFields = z.infer<typeof ApprovalFieldsSchema>;

/** Front-matter keys in the order they are written. */
export const APPROVAL_FIELD_ORDER = ['gate', 'run_id', 'request_sha256', 'decision', 'reason'] as const satisfies readonly (keyof ApprovalFields)[];

const GATE_TITLE = { SG1: 'SG1 cut authorisation', SG2: 'SG2 lifecycle authorisation' } as const;

/**
 * Builds `---\n<yaml front matter>---\n\n# <title>\n\n<one sentence>\n` (`writeFrontMatter`). Every
 * scalar is written as a quoted string so no YAML reader turns a digest or id into a number.
 *
 * @throws InputError listing every invalid field (field path in `where.field` of the first)
 */
export function buildApprovalText(fields: ApprovalFields): string {
  const { fields: f, frontMatter } = writeFrontMatter(ApprovalFieldsSchema, APPROVAL_FIELD_ORDER, fields, 'approval');
  const verb = f.decision === 'approve' ? 'approves' : 'denies';
  return `${frontMatter}\n# ${GATE_TITLE[f.gate]} · ${f.decision} · ${f.run_id}\n\nThe sovereign ${verb} the ${f.gate} request of run ${f.run_id} whose sha256 is ${f.request_sha256}.\n`;
}

/** Fields as read: binding fields checked for shape, `decision` left raw for the caller to judge. */
export interface ParsedApprovalText {
  ok: true;
  gate: string;
  run_id: string;
  request_sha256: string;
  reason: string;
  /** undefined when absent; any other value is reported by the caller as `decision_unknown` */
  decision: string | undefined;
}

/**
 * Expects the text to start with a `---` line, a YAML mapping, and a closing `---` line
 * (`readFrontMatter`). YAML is read with the failsafe schema (every scalar a string, so a digest
 * never becomes a number) and duplicate keys are an error (a second `decision:` cannot override
 * the first).
 *
 * @returns the fields or `malformed_front_matter` (missing delimiters, bad YAML, not a mapping,
 *   unknown keys, a missing or non-string gate / run_id / request_sha256 / reason, a request_sha256
 *   that is not 64 lowercase hex) — or `decision_unknown` when `decision` is not a string
 */
export function parseApprovalText(verifiedText: string): ParsedApprovalText | ApprovalRefusal {
  const read = readFrontMatter(verifiedText, 'failsafe');
  if (!read.ok) return read;
  const data = read.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return refuse('malformed_front_matter', 'the front matter is not a YAML mapping');
  const map = data as Record<string, unknown>;
  const unknown = Object.keys(map).filter((k) => !(APPROVAL_FIELD_ORDER as readonly string[]).includes(k));
  if (unknown.length > 0) return refuse('malformed_front_matter', `unknown front matter field(s): ${unknown.join(', ')}`);
  for (const field of ['gate', 'run_id', 'request_sha256', 'reason'] as const) {
    if (typeof map[field] !== 'string' || (map[field] as string).trim() === '') {
      return refuse('malformed_front_matter', `front matter field ${field} is missing or not a non-empty string`);
    }
  }
  const requestSha = map['request_sha256'] as string;
  if (!/^[0-9a-f]{64}$/.test(requestSha)) return refuse('malformed_front_matter', 'request_sha256 is not 64 lowercase hex');
  const decision = map['decision'] ?? undefined;
  if (decision !== undefined && typeof decision !== 'string') return refuse('decision_unknown', 'decision is not a plain word (approve | deny)');
  return {
    ok: true,
    gate: map['gate'] as string,
    run_id: map['run_id'] as string,
    request_sha256: requestSha,
    reason: map['reason'] as string,
    decision: decision === undefined || decision.trim() === '' ? undefined : decision,
  };
}

/**
 * @param fields - gate, run_id, request_sha256, decision, reason
 * @param privateKeyArmored - the sovereign's private key (a secret: never logged)
 * @param passphrase - unlocks a protected key
 * @param options - `date`: signature creation time (defaults to now)
 * @returns the armored cleartext-signed approval, ready to save as
 *   `SG1-cut-authz-approval-<date>.md` in the run's KB folder
 * @throws InputError on invalid fields or an unusable key / passphrase
 */
export async function signApproval(
  fields: ApprovalFields,
  privateKeyArmored: string,
  passphrase?: string,
  options: { date?: Date } = {},
): Promise<string> {
  return signCleartext(buildApprovalText(fields), privateKeyArmored, passphrase, options.date);
}
