/**
 * VerifyRecorder (DESIGN §4 phase 9, §5 layer 3): records the digest re-derived from the DB rows
 * and refuses when a verify result exists for the change set.
 */
import { uuidv7 } from 'uuidv7';
import type { Database, Queryable } from '../db/Database.js';
import { DbConstraintError } from '../db/dbErrors.js';
import { VerifyAlreadyRecorded } from '../stops/facts.js';

/** One verify result. `outcome` is PASS when the derived digest equals the pinned writer digest. */
export interface VerifyResult {
  change_set_id: string;
  run_id: string;
  derived_writer_digest: string;
  iu_count: number;
  outcome: 'PASS' | 'FAIL';
}

/** The fact thrown when the change set already has a row (layer 3 refusal; STOP_REPLAY_CONFLICT). */
export { VerifyAlreadyRecorded };

/** The verify result recorded for a change set, if any. */
export async function findVerifyResult(db: Queryable, changeSetId: string): Promise<(VerifyResult & { id: string }) | undefined> {
  const r = await db.query<VerifyResult & { id: string }>(
    'SELECT id, change_set_id, run_id, derived_writer_digest, iu_count, outcome FROM cutter_governance.verify_result WHERE change_set_id = $1',
    [changeSetId],
  );
  return r.rows[0];
}

/**
 * Records the result in its own transaction and returns its new UUIDv7 id.
 * @throws VerifyAlreadyRecorded when the change set already has one (never overwrites).
 */
export async function recordVerify(db: Database, result: VerifyResult, options: { role?: string } = {}): Promise<string> {
  const id = uuidv7();
  try {
    await db.transaction(
      async (tx) => {
        await tx.query(
          `INSERT INTO cutter_governance.verify_result (id, change_set_id, run_id, derived_writer_digest, iu_count, outcome)
           VALUES ($1, $2, $3, $4, $5, $6)`,
          [id, result.change_set_id, result.run_id, result.derived_writer_digest, result.iu_count, result.outcome],
        );
      },
      { scope: 'write_verify', ...(options.role === undefined ? {} : { role: options.role }) },
    );
  } catch (err) {
    if (err instanceof DbConstraintError && err.constraint === 'verify_result_change_set_id_key') {
      const existing = await findVerifyResult(db, result.change_set_id);
      throw new VerifyAlreadyRecorded(result.change_set_id, existing?.id, existing?.run_id);
    }
    throw err;
  }
  return id;
}
