/**
 * The pre-write backup's content (DESIGN §4 phase 4): every DB row in one document's scope — its
 * source versions, IUs and governance rows — as plain JSON, in a stable order.
 */
import type { Database } from '../db/Database.js';

/** Rows by table, each list ordered by its natural key so two dumps of the same state are equal. */
export interface DocumentScopeDump {
  document_id: string;
  tables: Record<string, Record<string, unknown>[]>;
  counts: Record<string, number>;
}

const QUERIES: [string, string][] = [
  ['cutter.source_version', 'SELECT * FROM cutter.source_version WHERE document_id = $1 ORDER BY source_version_id'],
  ['cutter_governance.cut_change_set', 'SELECT * FROM cutter_governance.cut_change_set WHERE document_id = $1 ORDER BY change_set_id'],
  ['cutter.iu', 'SELECT * FROM cutter.iu WHERE document_id = $1 ORDER BY change_set_id, seq'],
  ['cutter_governance.manifest_envelope', 'SELECT e.* FROM cutter_governance.manifest_envelope e JOIN cutter_governance.cut_change_set c USING (change_set_id) WHERE c.document_id = $1 ORDER BY e.id'],
  ['cutter_governance.verify_result', 'SELECT v.* FROM cutter_governance.verify_result v JOIN cutter_governance.cut_change_set c USING (change_set_id) WHERE c.document_id = $1 ORDER BY v.id'],
  ['cutter_governance.review_decision', 'SELECT r.* FROM cutter_governance.review_decision r JOIN cutter_governance.cut_change_set c USING (change_set_id) WHERE c.document_id = $1 ORDER BY r.id'],
  ['cutter_governance.change_set_void', 'SELECT v.* FROM cutter_governance.change_set_void v JOIN cutter_governance.cut_change_set c USING (change_set_id) WHERE c.document_id = $1 ORDER BY v.id'],
];

/**
 * Reads the document's scope as one consistent snapshot (a REPEATABLE READ, READ ONLY transaction:
 * a cut committing on another host cannot tear it). Timestamps become ISO strings (plain JSON).
 */
export async function dumpDocumentScope(db: Database, documentId: string): Promise<DocumentScopeDump> {
  return db.transaction(async (tx) => {
    await tx.exec('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    const tables: DocumentScopeDump['tables'] = {};
    const counts: Record<string, number> = {};
    for (const [name, sql] of QUERIES) {
      const r = await tx.query<Record<string, unknown>>(sql, [documentId]);
      tables[name] = r.rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v])));
      counts[name] = r.rows.length;
    }
    return { document_id: documentId, tables, counts };
  }, { scope: 'backup' });
}
