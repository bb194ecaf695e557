/**
 * The unsigned void document (DESIGN §5), for `orchestrate void` to sign — or for a sovereign who
 * signs with `gpg --clearsign` instead.
 */
import { writeFrontMatter } from '../approval/writeFrontMatter.js';
import { VOID_FIELD_ORDER, VoidFieldsSchema, type VoidFields } from './voidFields.js';

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
