/**
 * Reads a change set's IUs back from the database in document order (phases 7 and 9, verify).
 */
import type { Queryable } from '../db/Database.js';
import type { IuRow } from '../cutter/iuRow.js';

/** An IU row as stored: the cutter's row plus its document order (`seq`) and lifecycle state. */
export type StoredIu = IuRow & {
  seq: number;
  lifecycle_state: 'cut' | 'in_force' | 'superseded';
};

/** Every IU of `changeSetId`, ordered by `seq` (document order). */
export async function readBackIus(db: Queryable, changeSetId: string): Promise<StoredIu[]> {
  const r = await db.query<StoredIu>(
    `SELECT canonical_address, document_id, source_version_id, seq, unit_kind, section_type, parent_address,
            ordinal, heading, text, content_hash, idempotency_key, lifecycle_state
       FROM cutter.iu WHERE change_set_id = $1 ORDER BY seq`,
    [changeSetId],
  );
  return r.rows;
}

/**
 * How many IUs of change set `changeSetId` there are of each `unit_kind`, counted in SQL (issue 11:
 * a phase that needs only the counts does not read every row back).
 * @returns kind → count (kinds with no row are absent)
 */
export async function countIusByKind(db: Queryable, changeSetId: string): Promise<Record<string, number>> {
  const r = await db.query<{ unit_kind: string; n: string | number }>(
    'SELECT unit_kind, count(*) AS n FROM cutter.iu WHERE change_set_id = $1 GROUP BY unit_kind',
    [changeSetId],
  );
  return Object.fromEntries(r.rows.map((row) => [row.unit_kind, Number(row.n)]));
}
