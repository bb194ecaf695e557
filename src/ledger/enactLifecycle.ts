/**
 * Lifecycle enact (DESIGN §4 phase 10): one transaction that records the run's review decision
 * and moves the new IUs in force and the previous source version's IUs superseded — forward only.
 */
import { uuidv7 } from 'uuidv7';
import type { Database } from '../db/Database.js';
import { StopError } from '../errors.js';
import { findReviewDecision } from './findRunRows.js';

/** Moved to findRunRows.ts with the other finders of a run's rows; re-exported for existing importers. */
export { findReviewDecision };

/** What the SG2 approval authorised. */
export interface EnactInput {
  runId: string;
  changeSetId: string;
  documentId: string;
  sourceVersionId: string;
  approverFingerprint: string;
  approvalSha256: string;
  role?: string;
}

/** The decision recorded, and how many IUs moved. */
export interface EnactResult {
  reviewDecisionId: string;
  inForce: number;
  superseded: number;
  supersededSourceVersion: string | null;
  adopted: boolean;
}

/**
 * Enacts, or adopts the decision an earlier attempt of the same run committed.
 * The previous version is the one whose IUs of this document are in force now (at most one).
 *
 * @throws StopError `STOP_REPLAY_CONFLICT` when another run already recorded a decision for this
 *   change set (layer 3); `STOP_DRIFT` when IUs of several other versions are in force.
 */
export async function enactLifecycle(db: Database, input: EnactInput): Promise<EnactResult> {
  return db.transaction(
    async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`cutter.document:${input.documentId}`]);
      const existing = await findReviewDecision(tx, input.changeSetId);
      if (existing !== undefined) {
        if (existing.run_id !== input.runId) {
          throw new StopError('STOP_REPLAY_CONFLICT', `change set ${input.changeSetId} already has a review decision from run ${existing.run_id}`, { runId: input.runId, written: [] });
        }
        return { reviewDecisionId: existing.id, inForce: 0, superseded: 0, supersededSourceVersion: existing.superseded_source_version, adopted: true };
      }
      const prev = await tx.query<{ source_version_id: string }>(
        `SELECT DISTINCT source_version_id FROM cutter.iu
          WHERE document_id = $1 AND lifecycle_state = 'in_force' AND source_version_id <> $2`,
        [input.documentId, input.sourceVersionId],
      );
      if (prev.rows.length > 1) {
        throw new StopError('STOP_DRIFT', `document ${input.documentId} has IUs of ${prev.rows.length} other source versions in force; the lifecycle cannot move forward unambiguously`, { runId: input.runId, written: [], notWritten: ['review_decision', 'lifecycle change'] });
      }
      const previous = prev.rows[0]?.source_version_id ?? null;
      const id = uuidv7();
      await tx.query(
        `INSERT INTO cutter_governance.review_decision
           (id, change_set_id, run_id, decision, approver_fingerprint, approval_sha256, superseded_source_version)
         VALUES ($1, $2, $3, 'approve', $4, $5, $6)`,
        [id, input.changeSetId, input.runId, input.approverFingerprint, input.approvalSha256, previous],
      );
      const superseded = previous === null ? { rowCount: 0 } : await tx.query(
        `UPDATE cutter.iu SET lifecycle_state = 'superseded' WHERE document_id = $1 AND source_version_id = $2 AND lifecycle_state = 'in_force'`,
        [input.documentId, previous],
      );
      const inForce = await tx.query(`UPDATE cutter.iu SET lifecycle_state = 'in_force' WHERE change_set_id = $1 AND lifecycle_state = 'cut'`, [input.changeSetId]);
      return { reviewDecisionId: id, inForce: inForce.rowCount, superseded: superseded.rowCount, supersededSourceVersion: previous, adopted: false };
    },
    { scope: 'lifecycle_enact', ...(input.role === undefined ? {} : { role: input.role }) },
  );
}
