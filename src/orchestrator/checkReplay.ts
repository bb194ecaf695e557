/**
 * Layers 2 and 3 of the replay check (DESIGN §5): a complete run makes a new `cut` a no-op only
 * when the database agrees that none of its rows is missing — the evidence checker's DB rows, with
 * a complete run's expectations (every row pinned and present).
 */
import type { Queryable } from '../db/Database.js';
import { StopError } from '../errors.js';
import { checkDatabaseEvidence } from '../evidence/checkDatabaseEvidence.js';
import { describeFailures, failedChecks } from '../evidence/checkEvidence.js';
import type { EvidenceRun } from '../evidence/EvidenceRun.js';
import type { RunContext } from '../sidecar/runContextSchema.js';
import type { Pins } from '../../machines/types.js';

/** The complete run as the evidence checker sees it. The one place the replay check reads the sidecar format. */
export function evidenceRunOfReplay(run: RunContext): EvidenceRun {
  const pins: Pins = {};
  for (const [name, value] of Object.entries(run.context_pins)) if (typeof value === 'string') pins[name as keyof Pins] = value;
  const sg2 = run.approvals.SG2.accepted;
  return {
    run_id: run.run_id,
    law_id: run.law_id,
    source_version_id: run.source_version_id,
    kb_folder: run.kb_folder,
    pins,
    uploads: run.uploads.map(({ path, sha256, commit }) => ({ path, sha256, commit })),
    ...(sg2 === null ? {} : { sg2_approval: { sha256: sg2.sha256, signer_fingerprint: sg2.signer_fingerprint } }),
    complete: true,
  };
}

/**
 * @param plannedCount - IUs the current plan has (the source version is the run's)
 * @throws StopError `STOP_DRIFT` naming every missing or mismatching row
 */
export async function checkReplay(db: Queryable, run: RunContext, plannedCount: number): Promise<void> {
  const { checks } = await checkDatabaseEvidence(evidenceRunOfReplay(run), db, plannedCount);
  const failed = failedChecks(checks);
  if (failed.length > 0) {
    throw new StopError('STOP_DRIFT', `run ${run.run_id} is complete in its sidecar but the database disagrees: ${describeFailures(failed)}`, {
      runId: run.run_id,
      written: [],
      runbook: 'runbooks/README.md#stop_drift',
      next: `orchestrate verify --run-id ${run.run_id}`,
    });
  }
}
