/**
 * Cut leg A (DESIGN §4 phase 6): ONE transaction that takes the document's advisory lock, inserts
 * the change set under its idempotency key and writes every IU with the set-based
 * `cutter.fn_iu_create_set` — or adopts the change set a previous attempt of the same run committed.
 */
import { createHash } from 'node:crypto';
import { uuidv7 } from 'uuidv7';
import type { Database, Queryable } from '../db/Database.js';
import { DbConstraintError } from '../db/dbErrors.js';
import { StopError } from '../errors.js';
import { failpoint } from '../failpoints/failpoint.js';
import type { IuRow } from '../cutter/iuRow.js';
import { writerDigest } from '../cutter/writerDigest.js';

/** The IU fields leg A writes: the cutter's row less the run-wide ids (`seq` is the array position + 1). */
export type LegARow = Omit<IuRow, 'document_id' | 'source_version_id'>;

/** What leg A needs; `rows` in document order. */
export interface LegAInput {
  runId: string;
  documentId: string;
  sourceVersionId: string;
  writerDigest: string;
  rows: readonly LegARow[];
  /** Re-plans and returns the writer digest, inside the transaction, before any write (DESIGN §4). */
  replanDigest: () => string;
  /** Role the writes run as (`orchestrator_writer`). */
  role?: string;
  /** IUs per `fn_iu_create_set` call. @default 2000 */
  batchSize?: number;
}

/** Leg A's result. `adopted` when the change set was already committed by an earlier attempt. */
export interface LegAResult {
  changeSetId: string;
  idempotencyKey: string;
  iuCount: number;
  adopted: boolean;
}

/**
 * The change set's DB idempotency key, derivable before the write so a crashed run finds its row:
 * sha256 hex of `run_id ‖ writer_digest` (DESIGN §5 layer 2).
 */
export function changeSetIdempotencyKey(runId: string, writerDigest: string): string {
  return createHash('sha256').update(runId + writerDigest, 'utf8').digest('hex');
}

/** Looks up the change set a run committed (by its idempotency key), if any. */
export async function findChangeSet(db: Queryable, runId: string, writerDigest: string): Promise<{ change_set_id: string; iu_count: number } | undefined> {
  const r = await db.query<{ change_set_id: string; iu_count: number }>(
    'SELECT change_set_id, iu_count FROM cutter_governance.cut_change_set WHERE idempotency_key = $1',
    [changeSetIdempotencyKey(runId, writerDigest)],
  );
  return r.rows[0];
}

async function writeBatches(tx: Queryable, input: LegAInput, changeSetId: string): Promise<number> {
  const size = input.batchSize ?? 2000;
  let written = 0;
  for (let start = 0; start < input.rows.length; start += size) {
    const batch = input.rows.slice(start, start + size);
    const r = await tx.query<{ n: number }>(
      'SELECT cutter.fn_iu_create_set($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) AS n',
      [
        changeSetId, input.documentId, input.sourceVersionId,
        batch.map((u) => u.canonical_address), batch.map((_, i) => start + i + 1), batch.map((u) => u.unit_kind),
        batch.map((u) => u.section_type), batch.map((u) => u.parent_address), batch.map((u) => u.ordinal),
        batch.map((u) => u.heading), batch.map((u) => u.text), batch.map((u) => u.content_hash), batch.map((u) => u.idempotency_key),
      ],
    );
    written += Number(r.rows[0]?.n ?? 0);
  }
  return written;
}

/**
 * Runs leg A. A failure anywhere inside aborts the transaction: nothing is written.
 *
 * @throws StopError `STOP_DRIFT` when the re-plan's writer digest differs from the pinned one;
 *   `STOP_REPLAY_CONFLICT` when IUs of this source version already exist from another change set
 *   (another run's cut: void it and revert it first).
 */
export async function writeLegA(db: Database, input: LegAInput): Promise<LegAResult> {
  const idempotencyKey = changeSetIdempotencyKey(input.runId, input.writerDigest);
  try {
    return await db.transaction(
      async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`cutter.document:${input.documentId}`]);
        const existing = await findChangeSet(tx, input.runId, input.writerDigest);
        if (existing !== undefined) {
          return { changeSetId: existing.change_set_id, idempotencyKey, iuCount: existing.iu_count, adopted: true };
        }
        const replanned = input.replanDigest();
        // The rows written must be the pinned plan too, not only a fresh re-plan of the source.
        const rowsDigest = writerDigest(input.rows);
        if (replanned !== input.writerDigest || rowsDigest !== input.writerDigest) {
          throw new StopError('STOP_DRIFT', `inside leg A the re-plan gives writer_digest ${replanned.slice(0, 16)}… and the rows to write ${rowsDigest.slice(0, 16)}…, pinned ${input.writerDigest.slice(0, 16)}…`, {
            runId: input.runId,
            notWritten: ['cut_change_set', 'cutter.iu'],
          });
        }
        const changeSetId = uuidv7();
        await tx.query(
          `INSERT INTO cutter_governance.cut_change_set
             (change_set_id, run_id, document_id, source_version_id, writer_digest, idempotency_key, iu_count)
           VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [changeSetId, input.runId, input.documentId, input.sourceVersionId, input.writerDigest, idempotencyKey, input.rows.length],
        );
        const written = await writeBatches(tx, input, changeSetId);
        if (written !== input.rows.length) throw new Error(`leg A wrote ${written} IUs, planned ${input.rows.length}`);
        failpoint('leg_a.inside_txn', 'cut_leg_a');
        return { changeSetId, idempotencyKey, iuCount: written, adopted: false };
      },
      { scope: 'cut_leg_a', ...(input.role === undefined ? {} : { role: input.role }) },
    );
  } catch (err) {
    if (err instanceof DbConstraintError && err.isUniqueViolation && err.constraint === 'iu_source_version_address_key') {
      throw new StopError('STOP_REPLAY_CONFLICT', `IUs of source version ${input.sourceVersionId.slice(0, 16)} of ${input.documentId} already exist from another change set`, {
        runId: input.runId,
        written: [],
        notWritten: ['cut_change_set', 'cutter.iu (the transaction was rolled back)'],
        next: 'find the earlier run with `orchestrate runs --document-id`; resume it, or void it and revert its change set before cutting again',
      });
    }
    throw err;
  }
}
