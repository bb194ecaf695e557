/**
 * LegBRecorder (DESIGN §4 phase 8, §5 layer 3): inserts the change set's manifest envelope and
 * refuses when one exists.
 */
import { uuidv7 } from 'uuidv7';
import type { Database, Queryable } from '../db/Database.js';
import { DbConstraintError } from '../db/dbErrors.js';
import { LegBAlreadyRecorded } from '../stops/facts.js';

/** The envelope recorded for a change set. `envelope` is the full JSON kept for auditors. */
export interface ManifestEnvelope {
  change_set_id: string;
  run_id: string;
  manifest_digest: string;
  region_sha: string;
  writer_digest: string;
  iu_count: number;
  envelope: Record<string, unknown>;
}

/** The fact thrown when the change set already has a row (layer 3 refusal; STOP_REPLAY_CONFLICT). */
export { LegBAlreadyRecorded };

/** The envelope recorded for a change set, if any. */
export async function findManifestEnvelope(db: Queryable, changeSetId: string): Promise<(ManifestEnvelope & { id: string }) | undefined> {
  const r = await db.query<ManifestEnvelope & { id: string }>(
    'SELECT id, change_set_id, run_id, manifest_digest, region_sha, writer_digest, iu_count, envelope FROM cutter_governance.manifest_envelope WHERE change_set_id = $1',
    [changeSetId],
  );
  return r.rows[0];
}

/**
 * Records the envelope in its own transaction and returns its new UUIDv7 id.
 * @throws LegBAlreadyRecorded when the change set already has one (never overwrites).
 */
export async function recordLegB(db: Database, env: ManifestEnvelope, options: { role?: string } = {}): Promise<string> {
  const id = uuidv7();
  try {
    await db.transaction(
      async (tx) => {
        await tx.query(
          `INSERT INTO cutter_governance.manifest_envelope
             (id, change_set_id, run_id, manifest_digest, region_sha, writer_digest, iu_count, envelope)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [id, env.change_set_id, env.run_id, env.manifest_digest, env.region_sha, env.writer_digest, env.iu_count, JSON.stringify(env.envelope)],
        );
      },
      { scope: 'leg_b_record', ...(options.role === undefined ? {} : { role: options.role }) },
    );
  } catch (err) {
    if (err instanceof DbConstraintError && err.constraint === 'manifest_envelope_change_set_id_key') {
      const existing = await findManifestEnvelope(db, env.change_set_id);
      throw new LegBAlreadyRecorded(env.change_set_id, existing?.id, existing?.run_id);
    }
    throw err;
  }
  return id;
}
