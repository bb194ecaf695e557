/**
 * Phase 1's database write: register the source version, idempotently (DESIGN §4 row 1).
 */
import { StopError } from '../errors.js';
import type { Queryable } from '../db/Database.js';

/** A source version as registered in `cutter.source_version`. */
export interface SourceVersionRow {
  document_id: string;
  source_version_id: string;
  manifest_digest: string;
}

/**
 * Inserts the source version unless it is already there; an existing row must carry the same
 * manifest digest (the same bytes with another vocabulary or region is drift).
 *
 * @returns `adopted: true` when the row already existed (a re-run, or another run of the same version)
 * @throws StopError `STOP_DRIFT` when the registered manifest digest differs.
 */
export async function registerSourceVersion(db: Queryable, row: SourceVersionRow): Promise<{ adopted: boolean }> {
  const ins = await db.query(
    `INSERT INTO cutter.source_version (document_id, source_version_id, manifest_digest)
     VALUES ($1, $2, $3) ON CONFLICT ON CONSTRAINT source_version_pkey DO NOTHING`,
    [row.document_id, row.source_version_id, row.manifest_digest],
  );
  if (ins.rowCount === 1) return { adopted: false };
  const found = await db.query<{ manifest_digest: string }>(
    'SELECT manifest_digest FROM cutter.source_version WHERE document_id = $1 AND source_version_id = $2',
    [row.document_id, row.source_version_id],
  );
  const registered = found.rows[0]?.manifest_digest;
  if (registered !== row.manifest_digest) {
    throw new StopError('STOP_DRIFT', `source version ${row.source_version_id.slice(0, 16)} of ${row.document_id} is registered with manifest digest ${registered?.slice(0, 16) ?? '(none)'}…, this run computed ${row.manifest_digest.slice(0, 16)}… (vocabulary or region changed for the same bytes)`, {
      notWritten: ['cutter.source_version (already registered)'],
    });
  }
  return { adopted: true };
}
