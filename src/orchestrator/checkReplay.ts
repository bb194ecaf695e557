/**
 * Layers 2 and 3 of the replay check (DESIGN §5): a complete run makes a new `cut` a no-op only
 * when the database agrees that none of its rows is missing — the evidence checker's DB rows, with
 * a complete run's expectations (every row pinned and present).
 */
import type { Queryable } from '../db/Database.js';
import { StopError } from '../errors.js';
import { checkDatabaseEvidence } from '../evidence/checkDatabaseEvidence.js';
import { describeFailures, failedChecks } from '../evidence/checkEvidence.js';
import { evidenceRunOf } from '../evidence/EvidenceRun.js';
import type { RunView } from '../../machines/runView.js';

/**
 * @param plannedCount - IUs the current plan has (the source version is the run's)
 * @throws StopError `STOP_DRIFT` naming every missing or mismatching row
 */
export async function checkReplay(db: Queryable, run: RunView, plannedCount: number): Promise<void> {
  const { checks } = await checkDatabaseEvidence(evidenceRunOf(run), db, plannedCount);
  const failed = failedChecks(checks);
  if (failed.length > 0) {
    throw new StopError('STOP_DRIFT', `run ${run.run_id} is complete in its sidecar but the database disagrees: ${describeFailures(failed)}`, {
      runId: run.run_id,
      written: [],
      next: `orchestrate verify --run-id ${run.run_id}`,
    });
  }
}
