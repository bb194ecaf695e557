/**
 * Records a sovereign void of a change set in `cutter_governance.change_set_void` (DESIGN §5, §9):
 * one row per change set (UNIQUE), append-only, written as the least-privilege writer role.
 * Insert only (forward compensation): the IUs and governance rows of the change set stay.
 */
import { uuidv7 } from 'uuidv7';
import type { Database, Queryable } from '../db/Database.js';
import { DbConstraintError } from '../db/dbErrors.js';
import { StopError } from '../errors.js';

/** The void row's content. `signerFingerprint` is written UPPERCASE hex (the table's CHECK). */
export interface ChangeSetVoidInput {
  changeSetId: string;
  runId: string;
  reason: string;
  signerFingerprint: string;
  /** sha256 hex of the committed void document's bytes. */
  voidDocumentSha256: string;
}

/** A stored void row. */
export interface ChangeSetVoidRow {
  id: string;
  change_set_id: string;
  run_id: string;
  reason: string;
  signer_fingerprint: string;
  void_document_sha256: string;
}

/** The void row of a change set, if any. */
export async function findChangeSetVoid(db: Queryable, changeSetId: string): Promise<ChangeSetVoidRow | undefined> {
  const r = await db.query<ChangeSetVoidRow>(
    `SELECT id::text AS id, change_set_id::text AS change_set_id, run_id::text AS run_id, reason, signer_fingerprint, void_document_sha256
       FROM cutter_governance.change_set_void WHERE change_set_id = $1`,
    [changeSetId],
  );
  return r.rows[0];
}

function refused(input: ChangeSetVoidInput, message: string): StopError {
  return new StopError('STOP_DRIFT', message, {
    runId: input.runId, notWritten: ['cutter_governance.change_set_void'],
    next: 'check the change set and its run in the database before voiding',
  });
}

/**
 * Inserts the void row in one transaction, idempotently: an existing row for the change set made
 * by the same run is adopted (a re-run after a crash), one made by another run is refused.
 *
 * @param options.role - role the insert runs as (`config.writerRole`)
 * @returns the row id and whether it was adopted
 * @throws StopError `STOP_DRIFT` when the change set is not in the database, belongs to another
 *   run, or was already voided by another run (nothing is written)
 */
export async function recordChangeSetVoid(db: Database, input: ChangeSetVoidInput, options: { role?: string } = {}): Promise<{ id: string; adopted: boolean }> {
  const attempt = (): Promise<{ id: string; adopted: boolean }> => db.transaction(async (tx) => {
    const owner = await tx.query<{ run_id: string }>('SELECT run_id::text AS run_id FROM cutter_governance.cut_change_set WHERE change_set_id = $1', [input.changeSetId]);
    const ownerRun = owner.rows[0]?.run_id;
    if (ownerRun === undefined) throw refused(input, `change set ${input.changeSetId} is not in the database`);
    if (ownerRun !== input.runId) throw refused(input, `change set ${input.changeSetId} belongs to run ${ownerRun}, not ${input.runId}`);
    const existing = await findChangeSetVoid(tx, input.changeSetId);
    if (existing !== undefined) {
      if (existing.run_id !== input.runId) throw refused(input, `change set ${input.changeSetId} was already voided by run ${existing.run_id}`);
      return { id: existing.id, adopted: true };
    }
    const id = uuidv7();
    await tx.query(
      `INSERT INTO cutter_governance.change_set_void (id, change_set_id, run_id, reason, signer_fingerprint, void_document_sha256)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [id, input.changeSetId, input.runId, input.reason, input.signerFingerprint.toUpperCase(), input.voidDocumentSha256],
    );
    return { id, adopted: false };
  }, { scope: 'void', ...(options.role === undefined ? {} : { role: options.role }) });
  try {
    return await attempt();
  } catch (error) {
    // A concurrent void of the same change set committed first: the retry adopts or refuses it.
    if (error instanceof DbConstraintError && error.isUniqueViolation) return attempt();
    throw error;
  }
}
