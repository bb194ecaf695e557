/**
 * The unsigned approval markdown (DESIGN §6), for a sovereign who signs with `gpg --clearsign`
 * instead of `orchestrate approve`.
 */
import { APPROVAL_FIELD_ORDER, ApprovalFieldsSchema, type ApprovalFields } from './approvalFields.js';
import { writeFrontMatter } from './writeFrontMatter.js';

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
