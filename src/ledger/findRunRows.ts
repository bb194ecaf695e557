/**
 * Finders of the rows one run wrote (DESIGN §4 phases 1, 6, 10; §5 layers 2–3), for the evidence
 * checker (internal gate, replay, `verify`). SELECT only. The envelope, verify result and void rows
 * have their finders beside their writers (`findManifestEnvelope`, `findVerifyResult`,
 * `findChangeSetVoid`).
 */
import type { Queryable } from '../db/Database.js';

/** `cutter.source_version` as registered by phase 1. */
export interface RegisteredSourceVersion {
  document_id: string;
  source_version_id: string;
  manifest_digest: string;
}

/** The registered source version `sourceVersionId` of `documentId`, if any. */
export async function findSourceVersionRow(db: Queryable, documentId: string, sourceVersionId: string): Promise<RegisteredSourceVersion | undefined> {
  const r = await db.query<RegisteredSourceVersion>(
    'SELECT document_id, source_version_id, manifest_digest FROM cutter.source_version WHERE document_id = $1 AND source_version_id = $2',
    [documentId, sourceVersionId],
  );
  return r.rows[0];
}

/** A `cutter_governance.cut_change_set` row. `iu_count` is the count leg A recorded, not a count of rows. */
export interface ChangeSetRow {
  change_set_id: string;
  run_id: string;
  document_id: string;
  source_version_id: string;
  writer_digest: string;
  iu_count: number;
}

/** The change set `changeSetId`, if any. */
export async function findChangeSet(db: Queryable, changeSetId: string): Promise<ChangeSetRow | undefined> {
  const r = await db.query<ChangeSetRow>(
    `SELECT change_set_id::text AS change_set_id, run_id::text AS run_id, document_id, source_version_id, writer_digest, iu_count
       FROM cutter_governance.cut_change_set WHERE change_set_id = $1`,
    [changeSetId],
  );
  const row = r.rows[0];
  return row === undefined ? undefined : { ...row, iu_count: Number(row.iu_count) };
}

/** A `cutter_governance.review_decision` row (phase 10). `approver_fingerprint` is UPPERCASE hex. */
export interface ReviewDecisionRow {
  id: string;
  change_set_id: string;
  run_id: string;
  approval_sha256: string;
  approver_fingerprint: string;
  superseded_source_version: string | null;
}

/** The review decision recorded for a change set, if any (UNIQUE change_set_id). */
export async function findReviewDecision(db: Queryable, changeSetId: string): Promise<ReviewDecisionRow | undefined> {
  const r = await db.query<ReviewDecisionRow>(
    `SELECT id::text AS id, change_set_id::text AS change_set_id, run_id::text AS run_id, approval_sha256, approver_fingerprint, superseded_source_version
       FROM cutter_governance.review_decision WHERE change_set_id = $1`,
    [changeSetId],
  );
  return r.rows[0];
}

/**
 * The earliest review decision of another run of `documentId` that recorded `sourceVersionId` as
 * the version it superseded (why a run's IUs may legitimately be `superseded`), if any.
 */
export async function findSupersedingDecision(db: Queryable, documentId: string, sourceVersionId: string, runId: string): Promise<{ id: string; run_id: string } | undefined> {
  const r = await db.query<{ id: string; run_id: string }>(
    `SELECT r.id::text AS id, r.run_id::text AS run_id FROM cutter_governance.review_decision r
       JOIN cutter_governance.cut_change_set c ON c.change_set_id = r.change_set_id
      WHERE c.document_id = $1 AND r.superseded_source_version = $2 AND r.run_id <> $3
      ORDER BY r.decided_at LIMIT 1`,
    [documentId, sourceVersionId, runId],
  );
  return r.rows[0];
}
