/**
 * The stop code a runner reports for a stopped run (pure; DESIGN §5, §8, reference §7).
 */
import type { StopCode } from '../src/errors.js';
import type { CutContext, MachineStopCode } from './types.js';

/**
 * Codes kept as they are even between leg A and leg B, because they tell the user more than
 * "between legs" does: the fix is in their runbook (verify failed, drift, lock held, KB down).
 */
export const CODES_KEPT_BETWEEN_LEGS: readonly StopCode[] = ['STOP_STRUCTURAL_VERIFY', 'STOP_DRIFT', 'STOP_LOCKED', 'STOP_KB_UPLOAD'];

/**
 * The code to report for `context.stop`, or `null` when the run is not stopped.
 *
 * Rule (DESIGN §5 "a stop after leg A and before leg B"): when `pins.change_set_id` is set (leg A
 * committed) and `pins.manifest_envelope_id` is not (leg B not recorded), the run stopped between
 * the legs: the reported code is `STOP_BETWEEN_LEG_A_AND_LEG_B` — so the operator is sent to the
 * runbook that completes leg B or voids the change set — unless the underlying code is one of
 * {@link CODES_KEPT_BETWEEN_LEGS}. The underlying code stays in `context.stop.code`; the
 * change_set_id stays pinned either way.
 */
export function stopSummary(context: Pick<CutContext, 'stop' | 'pins'>): MachineStopCode | null {
  const stop = context.stop;
  if (stop === null) return null;
  const betweenLegs = context.pins.change_set_id !== undefined && context.pins.manifest_envelope_id === undefined;
  if (!betweenLegs) return stop.code;
  if ((CODES_KEPT_BETWEEN_LEGS as readonly string[]).includes(stop.code)) return stop.code;
  return 'STOP_BETWEEN_LEG_A_AND_LEG_B';
}
