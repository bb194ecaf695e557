/**
 * `orchestrate db migrate` and `orchestrate db verify` (issue 2).
 */
import type { Config } from '../config/configSchema.js';
import { openDatabase } from '../db/openDatabase.js';
import { migrate, verifyMigrations, type MigrateResult } from '../db/migrate.js';

/**
 * Applies pending migrations to the configured database.
 * @throws DbUnavailable (`STOP_DB`, unreachable), StopError `STOP_DRIFT` (an applied migration was edited), LockHeld (`STOP_LOCKED`).
 */
export async function dbMigrate(options: { config: Config }): Promise<MigrateResult> {
  const db = await openDatabase(options.config);
  try {
    return await migrate(db);
  } finally {
    await db.close();
  }
}

/** Runs every migration's verify query; `ok` is false when any fails. */
export async function dbVerify(options: { config: Config }): Promise<{ engine: string; ok: boolean; results: { id: string; ok: boolean }[] }> {
  const db = await openDatabase(options.config);
  try {
    const results = await verifyMigrations(db);
    return { engine: db.engine, ok: results.every((r) => r.ok), results };
  } finally {
    await db.close();
  }
}
