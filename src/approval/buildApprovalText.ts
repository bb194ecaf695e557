/**
 * The unsigned approval markdown (DESIGN §6), for a sovereign who signs with `gpg --clearsign`
 * instead of `orchestrate approve`.
 */
import { stringify } from 'yaml';
import { InputError } from '../errors.js';
import { APPROVAL_FIELD_ORDER, ApprovalFieldsSchema, type ApprovalFields } from './approvalFields.js';

const GATE_TITLE = { SG1: 'SG1 cut authorisation', SG2: 'SG2 lifecycle authorisation' } as const;

/**
 * Builds `---\n<yaml front matter>---\n\n# <title>\n\n<one sentence>\n`. Every scalar is written
 * as a quoted string so no YAML reader turns a digest or id into a number.
 *
 * @throws InputError listing every invalid field (field path in `where.field` of the first)
 */
export function buildApprovalText(fields: ApprovalFields): string {
  const parsed = ApprovalFieldsSchema.safeParse(fields);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
    throw new InputError(
      `approval fields are invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      issues[0] ? { field: issues[0].path } : {},
      issues,
    );
  }
  const f = parsed.data;
  const ordered = Object.fromEntries(APPROVAL_FIELD_ORDER.map((k) => [k, f[k]]));
  const yaml = stringify(ordered, { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN', lineWidth: 0 });
  const verb = f.decision === 'approve' ? 'approves' : 'denies';
  return `---\n${yaml}---\n\n# ${GATE_TITLE[f.gate]} · ${f.decision} · ${f.run_id}\n\nThe sovereign ${verb} the ${f.gate} request of run ${f.run_id} whose sha256 is ${f.request_sha256}.\n`;
}
