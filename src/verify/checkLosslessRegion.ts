/**
 * The lossless check of `verify` (DESIGN §4 phase 7): the IU texts stored in the database, in `seq`
 * order, plus MARK's excluded spans re-assemble the region of the run's source version byte for byte.
 */
import { checkLossless } from '../cutter/checkLossless.js';
import type { Mark } from '../cutter/markRegion.js';
import type { StoredIu } from '../ledger/readBackIus.js';
import type { RunView } from '../../machines/runView.js';
import { problemsCheck, type VerifyCheck } from './VerifyCheck.js';

/**
 * @param mark - MARK of the run's source version (from the evidence checker); undefined when its bytes
 *   could not be found, which fails the row (losslessness cannot be shown)
 * @param ius - the run's IU rows in `seq` order; undefined when they could not be read (fails the row)
 * @returns the `lossless.region` row, or none before cut_leg_a (no change set pinned)
 */
export function checkLosslessRegion(ctx: RunView, mark: Mark | undefined, ius: readonly StoredIu[] | undefined): VerifyCheck[] {
  if (ctx.pins.change_set_id == null) return [];
  const expected = `region ${ctx.pins.region_sha ?? '(unpinned)'} re-assembled from the IU texts`;
  if (ius === undefined) return [problemsCheck('lossless.region', ['the IU rows could not be read (see db.read)'], { expected })];
  if (mark === undefined) return [problemsCheck('lossless.region', ['the bytes of the run\'s source version are not available (see the source.* rows)'], { expected })];
  // Whether MARK still gives the pinned region_sha is the evidence row source.region_sha.
  const result = checkLossless(mark.text, ius, mark.excluded);
  const problems = result.ok ? [] : [`${result.reason} at region byte ${result.firstMismatchOffset}`];
  return [problemsCheck('lossless.region', problems, { expected, observed: result.ok ? 'identical' : `differs at byte ${result.firstMismatchOffset}` })];
}
