/**
 * Layers 2 and 3 of the replay check (DESIGN §5): a complete run makes a new `cut` a no-op only
 * when the database agrees that none of its rows is missing.
 */
import type { Queryable } from '../db/Database.js';
import { StopError } from '../errors.js';
import { findManifestEnvelope } from '../ledger/LegBRecorder.js';
import { findVerifyResult } from '../ledger/VerifyRecorder.js';
import { findReviewDecision } from '../ledger/enactLifecycle.js';
import type { RunView } from '../../machines/runView.js';

/**
 * @param plannedCount - IUs the current plan has (the source version is the run's)
 * @throws StopError `STOP_DRIFT` naming every missing or mismatching row
 */
export async function checkReplay(db: Queryable, run: RunView, plannedCount: number): Promise<void> {
  const p = run.pins;
  const problems: string[] = [];
  const cs = p.change_set_id ?? undefined;
  if (cs === undefined) problems.push('no change_set_id pinned');
  else {
    const row = await db.query<{ iu_count: number; n: string }>(
      `SELECT c.iu_count, (SELECT count(*) FROM cutter.iu i WHERE i.change_set_id = c.change_set_id) AS n
         FROM cutter_governance.cut_change_set c WHERE c.change_set_id = $1`,
      [cs],
    );
    const r = row.rows[0];
    if (r === undefined) problems.push(`change set ${cs} missing`);
    else if (Number(r.n) !== r.iu_count || r.iu_count !== plannedCount) problems.push(`change set ${cs} has ${r.n} IU rows, recorded ${r.iu_count}, planned ${plannedCount}`);
    if ((await findManifestEnvelope(db, cs))?.id !== p.manifest_envelope_id) problems.push('manifest envelope missing or another id');
    if ((await findVerifyResult(db, cs))?.id !== p.verify_result_id) problems.push('verify result missing or another id');
    if ((await findReviewDecision(db, cs))?.id !== p.review_decision_id) problems.push('review decision missing or another id');
  }
  if (problems.length > 0) {
    throw new StopError('STOP_DRIFT', `run ${run.run_id} is complete in its sidecar but the database disagrees: ${problems.join('; ')}`, {
      runId: run.run_id,
      written: [],
      next: `orchestrate verify --run-id ${run.run_id}`,
    });
  }
}
