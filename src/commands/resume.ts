/**
 * `orchestrate resume` (DESIGN §5, §9): continues a stopped or paused run from the run registry's
 * latest version, on any host sharing the database and the KB remote; persisted keys are
 * re-validated (key chain) and never recomputed.
 */
import { drive, openKbFor, type RunOptions, type RunOutcome } from '../orchestrator/runOutcome.js';
import { assertWorkspace } from '../orchestrator/preflight.js';

/**
 * `orchestrate resume --run-id R`: re-validates the persisted keys (the sidecar's key chain) and
 * continues from the snapshot; a stopped step is re-entered at its internal gate.
 * @throws InputError for an unknown, voided or invalid run; LockHeld (STOP_LOCKED) when a live
 *   process on any host drives it
 */
export async function resume(options: RunOptions & { runId: string }): Promise<RunOutcome> {
  assertWorkspace(options.config, { sidecars: true });
  const kb = await openKbFor(options.config);
  return drive(options, kb, options.runId);
}
