/**
 * The internal gate between every two steps (DESIGN §4): re-validates every pinned digest against
 * live state with the evidence checker — source bytes, vocabulary (manifest), region, plan,
 * uploaded KB documents, the encrypted backup, and the DB rows written so far. Any failed check
 * stops the run with `STOP_DRIFT` before the next step writes anything.
 */
import { StopError } from '../errors.js';
import { checkEvidence, describeFailures, failedChecks } from '../evidence/checkEvidence.js';
import type { Check } from '../evidence/Check.js';
import { evidenceRunOf } from '../evidence/EvidenceRun.js';
import { STEP_NAMES } from '../../machines/steps.js';
import type { PhaseActorInput } from '../../machines/types.js';
import type { PhaseDeps } from './PhaseDeps.js';

/**
 * Every evidence check of the run's pins against live state (failed and passed). Before the first
 * step completed nothing is pinned, so nothing is compared. `gate` mode (issue 11): the source is
 * read and hashed but re-planned only when its bytes or vocabulary changed (memo), and the IU rows
 * are checked by one server-side aggregate instead of being read back.
 * @throws the driver's error when a DB query fails
 */
export async function gateChecks(deps: PhaseDeps, { context }: PhaseActorInput): Promise<Check[]> {
  if (context.completed.length === 0) return [];
  const uploads = STEP_NAMES.flatMap((step) => context.uploads[step] ?? []);
  const run = evidenceRunOf({ ...deps.run, pins: context.pins, uploads, approvals: context.approvals, state: 'running' });
  const { checks } = await checkEvidence(run, { kbDir: deps.config.kbDir, kb: deps.kb, sidecarsDir: deps.config.sidecarsDir, db: deps.db }, { mode: 'gate' });
  return checks;
}

/**
 * The `internalGate` actor's body.
 * @throws StopError `STOP_DRIFT` naming every failed check (expected vs observed, digests shortened)
 */
export async function internalGate(deps: PhaseDeps, input: PhaseActorInput): Promise<void> {
  const failed = failedChecks(await gateChecks(deps, input));
  if (failed.length === 0) return;
  const runId = deps.run.run_id;
  throw new StopError('STOP_DRIFT', `drift before ${input.step}: ${describeFailures(failed)}`, {
    runId,
    notWritten: [`${input.step} and every later step`],
    next: `restore what changed and run: orchestrate resume --run-id ${runId} — or void the run`,
  });
}
