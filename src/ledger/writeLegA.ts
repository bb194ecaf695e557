/**
 * Cut leg A (DESIGN §4 phase 6): ONE transaction that takes the document's advisory lock, inserts
 * the change set under its idempotency key and writes every IU with COPY into a staging table and
 * one set-based `INSERT … SELECT` (issue 11) — or adopts the change set a previous attempt of the same run committed.
 */
import { createHash } from 'node:crypto';
import { uuidv7 } from 'uuidv7';
import type { CopyValue, Database, Queryable } from '../db/Database.js';
import { DbConstraintError } from '../db/dbErrors.js';
import { StopError } from '../errors.js';
import { failpoint } from '../failpoints/failpoint.js';
import type { IuRow } from '../cutter/iuRow.js';

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

/** The staging table's columns, in COPY order; the run-wide ids are added by the INSERT … SELECT. */
const STAGE_COLUMNS = [
  'seq', 'canonical_address', 'unit_kind', 'section_type', 'parent_address', 'ordinal', 'heading', 'text', 'content_hash', 'idempotency_key',
] as const;

function* stageRows(rows: readonly LegARow[]): Generator<CopyValue[]> {
  for (let i = 0; i < rows.length; i += 1) {
    const u = rows[i] as LegARow;
    yield [i + 1, u.canonical_address, u.unit_kind, u.section_type, u.parent_address, u.ordinal, u.heading, u.text, u.content_hash, u.idempotency_key];
  }
}

/**
 * Streams the rows with COPY into a temporary staging table (dropped at commit or rollback). The
 * staging table checks the digest-covered columns with cutter.iu's own patterns, so none of them
 * can hold a character JSON would escape: that keeps {@link stagedWriterDigest} exact.
 *
 * @returns rows staged
 */
export async function stageLegARows(tx: Queryable, rows: readonly LegARow[]): Promise<number> {
  await tx.exec(`CREATE TEMP TABLE leg_a_stage (
    seq               integer NOT NULL,
    canonical_address text    NOT NULL CHECK (canonical_address ~ '^[A-Za-z0-9][A-Za-z0-9_.-]*/[a-z0-9_-]+$'),
    unit_kind         text    NOT NULL CHECK (unit_kind ~ '^[a-z_]+$'),
    section_type      text    NOT NULL CHECK (section_type ~ '^[a-z_]+$'),
    parent_address    text,
    ordinal           integer NOT NULL,
    heading           text,
    text              text    NOT NULL,
    content_hash      text    NOT NULL CHECK (content_hash ~ '^[0-9a-f]{64}$'),
    idempotency_key   text    NOT NULL CHECK (idempotency_key ~ '^[0-9a-f]{64}$')
  ) ON COMMIT DROP`);
  return tx.copyFrom('leg_a_stage', STAGE_COLUMNS, stageRows(rows));
}

/**
 * The writer digest of the staged rows, computed in SQL: the same bytes `writerDigest` (src/cutter)
 * hashes — RFC 8785 JSON of the rows reduced to their five digest fields (keys in RFC 8785 order),
 * sorted by `canonical_address` in code-unit order (`COLLATE "C"`; ties in document order, as JS's
 * stable sort keeps them). No JSON escaping is needed: the staging table's CHECKs admit only
 * characters JSON writes as they are. It covers the rows as they reached the database, not only
 * as the caller holds them (DESIGN §4 phase 6, issue 11: one server-side aggregate).
 */
export async function stagedWriterDigest(tx: Queryable): Promise<{ count: number; digest: string }> {
  const r = await tx.query<{ n: number; digest: string }>(
    `SELECT count(*)::integer AS n,
            encode(sha256(convert_to('[' || coalesce(string_agg(
              '{"canonical_address":"' || canonical_address || '","content_hash":"' || content_hash ||
              '","idempotency_key":"' || idempotency_key || '","section_type":"' || section_type ||
              '","unit_kind":"' || unit_kind || '"}',
              ',' ORDER BY canonical_address COLLATE "C", seq), '') || ']', 'UTF8')), 'hex') AS digest
       FROM leg_a_stage`,
  );
  const row = r.rows[0];
  if (row === undefined) throw new Error('the staged writer digest query returned no row');
  return { count: Number(row.n), digest: row.digest };
}

/**
 * Writes the staged rows into `cutter.iu` with ONE `INSERT … SELECT` under the transaction's role,
 * so the table's constraints, the role's grants and the statement-level insert guard
 * (sql/deploy/008: content hash, `cut` only, unsealed change set) apply to every row (issue 11).
 */
async function insertStaged(tx: Queryable, input: LegAInput, changeSetId: string): Promise<number> {
  // No ORDER BY: `seq` carries the document order, and sorting the texts would spill to disk.
  const r = await tx.query(
    `INSERT INTO cutter.iu (canonical_address, document_id, source_version_id, change_set_id, seq, unit_kind,
                            section_type, parent_address, ordinal, heading, text, content_hash, idempotency_key)
     SELECT s.canonical_address, $1::text, $2::text, $3::uuid, s.seq, s.unit_kind,
            s.section_type, s.parent_address, s.ordinal, s.heading, s.text, s.content_hash, s.idempotency_key
       FROM leg_a_stage s`,
    [input.documentId, input.sourceVersionId, changeSetId],
  );
  return r.rowCount;
}

/**
 * Runs leg A. A failure anywhere inside aborts the transaction: nothing is written.
 *
 * @throws StopError `STOP_DRIFT` when the re-plan's writer digest differs from the pinned one;
 *   `STOP_REPLAY_CONFLICT` when IUs of this source version already exist from another change set
 *   (another run's cut): the stop names that run and tells the operator to void this one (issue 13).
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
        const drift = (rowsDigest: string): StopError => new StopError('STOP_DRIFT', `inside leg A the re-plan gives writer_digest ${replanned.slice(0, 16)}… and the rows to write ${rowsDigest.slice(0, 16)}…, pinned ${input.writerDigest.slice(0, 16)}…`, {
          runId: input.runId,
          notWritten: ['cut_change_set', 'cutter.iu'],
        });
        if (replanned !== input.writerDigest) throw drift('(not staged)');
        // The rows written must be the pinned plan too, not only a fresh re-plan of the source:
        // checked on the staged rows, before anything is written to a governed table.
        const staged = await stageLegARows(tx, input.rows);
        const rows = await stagedWriterDigest(tx);
        if (staged !== input.rows.length || rows.count !== input.rows.length) throw new Error(`leg A staged ${staged} (${rows.count}) IUs, planned ${input.rows.length}`);
        if (rows.digest !== input.writerDigest) throw drift(rows.digest);
        const changeSetId = uuidv7();
        await tx.query(
          `INSERT INTO cutter_governance.cut_change_set
             (change_set_id, run_id, document_id, source_version_id, writer_digest, idempotency_key, iu_count)
           VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [changeSetId, input.runId, input.documentId, input.sourceVersionId, input.writerDigest, idempotencyKey, input.rows.length],
        );
        const written = await insertStaged(tx, input, changeSetId);
        if (written !== input.rows.length) throw new Error(`leg A wrote ${written} IUs, planned ${input.rows.length}`);
        failpoint('leg_a.inside_txn', 'cut_leg_a');
        return { changeSetId, idempotencyKey, iuCount: written, adopted: false };
      },
      { scope: 'cut_leg_a', ...(input.role === undefined ? {} : { role: input.role }) },
    );
  } catch (err) {
    if (err instanceof DbConstraintError && err.isUniqueViolation && err.constraint === 'iu_source_version_address_key') {
      const holder = await db.query<{ run_id: string; change_set_id: string }>(
        `SELECT cs.run_id, cs.change_set_id FROM cutter.iu iu JOIN cutter_governance.cut_change_set cs ON cs.change_set_id = iu.change_set_id
          WHERE iu.document_id = $1 AND iu.source_version_id = $2 LIMIT 1`,
        [input.documentId, input.sourceVersionId],
      );
      const other = holder.rows[0];
      const owner = other === undefined ? 'another change set' : `change set ${other.change_set_id} of run ${other.run_id}`;
      throw new StopError('STOP_REPLAY_CONFLICT', `IUs of source version ${input.sourceVersionId.slice(0, 16)} of ${input.documentId} already exist from ${owner}: run ${input.runId} wrote nothing`, {
        runId: input.runId,
        written: [],
        notWritten: ['cut_change_set', 'cutter.iu (the transaction was rolled back)'],
        // The IUs belong to the other run: this run is the one to give up, unless that run is
        // voided and a sovereign reverts its change set first (sql/lifecycle/rollback_runbook.sql).
        next: `void this run (orchestrate void --run-id ${input.runId}); or, when run ${other?.run_id ?? '(see orchestrate runs)'} is voided, have a sovereign revert its change set, then resume this run`,
      });
    }
    throw err;
  }
}
