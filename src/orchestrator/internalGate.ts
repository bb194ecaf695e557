/**
 * The internal gate between every two steps (DESIGN §4): re-validates every pinned digest against
 * live state with the evidence checker — source bytes, vocabulary (manifest), region, plan,
 * uploaded KB documents, the encrypted backup, and the DB rows written so far. Any failed check
 * stops the run with `STOP_DRIFT` before the next step writes anything.
 */
import { StopError } from '../errors.js';
import { checkEvidence, describeFailures, failedChecks } from '../evidence/checkEvidence.js';
import type { Check } from '../evidence/Check.js';
import type { EvidenceRun } from '../evidence/EvidenceRun.js';
import type { RunContext } from '../sidecar/runContextSchema.js';
import { STEP_NAMES } from '../../machines/steps.js';
import type { CutContext, PhaseActorInput } from '../../machines/types.js';
import type { PhaseDeps } from './PhaseDeps.js';

/**
 * The run as the evidence checker sees it, from the sidecar's identity and the machine's context
 * (its pins and uploads are the current ones). The one place the gate reads the sidecar format.
 */
export function evidenceRunOfGate(run: RunContext, context: CutContext): EvidenceRun {
  const sg2 = run.approvals.SG2.accepted;
  return {
    run_id: run.run_id,
    law_id: run.law_id,
    source_version_id: run.source_version_id,
    kb_folder: run.kb_folder,
    pins: context.pins,
    uploads: STEP_NAMES.flatMap((step) => context.uploads[step] ?? []),
    ...(sg2 === null ? {} : { sg2_approval: { sha256: sg2.sha256, signer_fingerprint: sg2.signer_fingerprint } }),
  };
}

/**
 * Every evidence check of the run's pins against live state (failed and passed). Before the first
 * step completed nothing is pinned, so nothing is compared.
 * @throws the driver's error when a DB query fails
 */
export async function gateChecks(deps: PhaseDeps, { context }: PhaseActorInput): Promise<Check[]> {
  if (context.completed.length === 0) return [];
  const run = evidenceRunOfGate(deps.store.current, context);
  const { checks } = await checkEvidence(run, { kbDir: deps.config.kbDir, kb: deps.kb, sidecarsDir: deps.config.sidecarsDir, db: deps.db });
  return checks;
}

/**
 * The `internalGate` actor's body.
 * @throws StopError `STOP_DRIFT` naming every failed check (expected vs observed, digests shortened)
 */
export async function internalGate(deps: PhaseDeps, input: PhaseActorInput): Promise<void> {
  const failed = failedChecks(await gateChecks(deps, input));
  if (failed.length === 0) return;
  const runId = deps.store.current.run_id;
  throw new StopError('STOP_DRIFT', `drift before ${input.step}: ${describeFailures(failed)}`, {
    runId,
    notWritten: [`${input.step} and every later step`],
    runbook: 'runbooks/README.md#stop_drift',
    next: `restore what changed and run: orchestrate resume --run-id ${runId} — or void the run`,
  });
}
