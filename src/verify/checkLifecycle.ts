/**
 * The IU lifecycle check of `verify` (DESIGN §4 phase 10: new IUs in force, the previous version's
 * superseded — forward only).
 */
import type { Queryable } from '../db/Database.js';
import { findSupersedingDecision } from '../ledger/findRunRows.js';
import type { StoredIu } from '../ledger/readBackIus.js';
import type { RunView } from '../../machines/runView.js';
import { problemsCheck, type VerifyCheck } from './VerifyCheck.js';

/**
 * Before lifecycle_enact every IU of the change set is `cut`. After it they are all `in_force` —
 * or all `superseded`, which holds only when a later review decision of the same document (another
 * run) recorded this source version as the one it superseded.
 *
 * @param ius - the run's IU rows (from `readBackIus`)
 * @returns the `db.lifecycle` row
 */
export async function checkLifecycle(db: Queryable, ctx: RunView, ius: readonly StoredIu[]): Promise<VerifyCheck> {
  const counts = new Map<string, number>();
  for (const u of ius) counts.set(u.lifecycle_state, (counts.get(u.lifecycle_state) ?? 0) + 1);
  const observed = [...counts.entries()].map(([state, n]) => `${n} ${state}`).join(', ') || 'no IUs';
  const enacted = ctx.pins.review_decision_id != null;
  const problems: string[] = [];
  let okDetail: string | undefined;
  if (!enacted) {
    if ((counts.get('cut') ?? 0) !== ius.length) problems.push('IUs left the cut state before this run enacted its lifecycle decision');
    return problemsCheck('db.lifecycle', problems, { expected: `${ius.length} cut`, observed });
  }
  const superseded = counts.get('superseded') ?? 0;
  if (superseded === 0) {
    if ((counts.get('in_force') ?? 0) !== ius.length) problems.push('not every IU is in force after lifecycle_enact');
  } else if (superseded !== ius.length) {
    problems.push('IUs of one change set are in mixed lifecycle states');
  } else {
    const later = await findSupersedingDecision(db, ctx.document_id, ctx.source_version_id, ctx.run_id);
    if (later === undefined) problems.push('the IUs are superseded, but no later review decision of this document superseded this source version');
    else okDetail = `superseded by review decision ${later.id} of run ${later.run_id}`;
  }
  return problemsCheck('db.lifecycle', problems, {
    expected: superseded > 0 ? `${ius.length} superseded by a later decision` : `${ius.length} in_force`,
    observed,
    ...(okDetail === undefined ? {} : { okDetail }),
  });
}
