/**
 * The IU rows of a change set checked by ONE server-side aggregate (issue 11 "cheap internal
 * gates"): their count, the writer digest re-derived from them, and which texts do not hash to
 * their `content_hash` — computed by the database, so the internal gate before every step reads
 * one row instead of every IU. Same meaning as reading the rows back and computing in TS
 * (`readBackIus` + `writerDigest` + sha256 of each text); `verify`, which needs the rows
 * themselves (lossless re-assembly, lifecycle), still reads them.
 *
 * The row serialisation is the writer digest's (src/cutter/writerDigest.ts, reference §6), defined
 * there in TS and reproduced here in SQL, byte for byte:
 *
 * - rows sorted by `canonical_address` in code-unit order — `COLLATE "C"` (byte order) is the same
 *   order for the ASCII addresses `cutter.iu`'s CHECK allows;
 * - each row the RFC 8785 canonical JSON of `{canonical_address, content_hash, idempotency_key,
 *   section_type, unit_kind}`: keys in that (sorted) order, no whitespace, each value a JSON string
 *   (`to_json(text)` escapes `"`, `\`, `\b \f \n \r \t` and other controls as lowercase `\u00xx`,
 *   exactly as `JSON.stringify`; every column is NOT NULL);
 * - the rows joined by `,` inside `[` `]`, and the sha256 hex of that text's UTF-8 bytes.
 *
 * Any difference between the two forms makes the digests differ, so a mismatch can only fail a
 * check, never pass a tampered row (test/integration/evidence/iuRowsAggregate.test.ts holds both engines
 * to `writerDigest` on awkward values).
 */
import type { Queryable } from '../db/Database.js';

/** Addresses of texts that do not hash to their content hash, at most this many (first in `seq` order). */
export const BAD_HASH_SAMPLE = 5;

/**
 * The aggregate over one change set's IU rows. Parameter `$1`: the change set id. One row:
 * `iu_count` (int), `writer_digest` (sha256 hex, see the module comment), `bad_hash_count` (int:
 * rows whose sha256(text as UTF-8) is not `content_hash`), `bad_hash_addresses` (text[]: the first
 * `BAD_HASH_SAMPLE` of them in `seq` order, empty when none).
 */
export const IU_ROWS_AGGREGATE_SQL = `
WITH u AS (
  SELECT seq, canonical_address,
         '{"canonical_address":' || to_json(canonical_address)::text
      || ',"content_hash":'      || to_json(content_hash)::text
      || ',"idempotency_key":'   || to_json(idempotency_key)::text
      || ',"section_type":'      || to_json(section_type)::text
      || ',"unit_kind":'         || to_json(unit_kind)::text || '}' AS row_json,
         encode(sha256(convert_to(text, 'UTF8')), 'hex') IS DISTINCT FROM content_hash AS bad_hash
    FROM cutter.iu
   WHERE change_set_id = $1
)
SELECT count(*)::int AS iu_count,
       encode(sha256(convert_to('[' || coalesce(string_agg(row_json, ',' ORDER BY canonical_address COLLATE "C"), '') || ']', 'UTF8')), 'hex') AS writer_digest,
       (count(*) FILTER (WHERE bad_hash))::int AS bad_hash_count,
       coalesce((array_agg(canonical_address ORDER BY seq) FILTER (WHERE bad_hash))[1:${BAD_HASH_SAMPLE}], '{}') AS bad_hash_addresses
  FROM u`;

/** What the aggregate returns for a change set (no rows: count 0 and the digest of `[]`). */
export interface IuRowsAggregate {
  iuCount: number;
  /** `writerDigest` of the stored rows, computed by the server. */
  writerDigest: string;
  /** Rows whose text does not hash to their `content_hash`. */
  badHashCount: number;
  /** The first `BAD_HASH_SAMPLE` of those rows' addresses, in `seq` order. */
  badHashAddresses: string[];
}

/**
 * Runs `IU_ROWS_AGGREGATE_SQL` for `changeSetId` (SELECT only; PostgreSQL ≥ 11 and PGlite).
 * @throws the driver's error when the query fails (no schema, no connection)
 */
export async function aggregateIuRows(db: Queryable, changeSetId: string): Promise<IuRowsAggregate> {
  const r = await db.query<{ iu_count: number; writer_digest: string; bad_hash_count: number; bad_hash_addresses: string[] }>(IU_ROWS_AGGREGATE_SQL, [changeSetId]);
  const row = r.rows[0];
  if (row === undefined) throw new Error('the IU rows aggregate returned no row');
  return {
    iuCount: Number(row.iu_count),
    writerDigest: row.writer_digest,
    badHashCount: Number(row.bad_hash_count),
    badHashAddresses: row.bad_hash_addresses,
  };
}
