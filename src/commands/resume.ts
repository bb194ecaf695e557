/**
 * `orchestrate resume` (DESIGN §5): continues a stopped or paused run from its sidecar, on the host
 * that holds it; persisted keys are re-validated (key chain) and never recomputed.
 */
import { InputError } from '../errors.js';
import { readSidecar } from '../sidecar/readSidecar.js';
import { drive, openKbFor, outcomeOf, type RunOptions, type RunOutcome } from '../orchestrator/runOutcome.js';
import { assertWorkspace } from '../orchestrator/preflight.js';

/**
 * `orchestrate resume --run-id R`: re-validates the persisted keys (the sidecar's key chain) and
 * continues from the snapshot; a stopped step is re-entered at its internal gate.
 * @throws InputError for an unknown, voided or invalid run; StopError STOP_LOCKED when it is running
 */
export async function resume(options: RunOptions & { runId: string }): Promise<RunOutcome> {
  assertWorkspace(options.config, { sidecars: true });
  const { sidecar, view } = await readSidecar(options.config.sidecarsDir, options.runId);
  if (view.state === 'voided') throw new InputError(`run ${options.runId} was voided: it cannot be resumed`, { field: 'state' }, [], 'start a new cut of the document');
  if (view.state === 'done') return outcomeOf(view, `run ${options.runId} is already complete`);
  const kb = await openKbFor(options.config);
  return drive(options, kb, sidecar);
}
