/**
 * Opens the configured engine: `DATABASE_URL` set → PostgreSQL through `pg`; absent → embedded
 * PGlite in the workspace (DESIGN §9, issue 2).
 */
import type { Config } from '../config/configSchema.js';
import type { Database } from './Database.js';
import { openPglite } from './openPglite.js';
import { openPostgres } from './openPostgres.js';

/**
 * @throws DbUnavailable (`STOP_DB`, exit 20) when the server cannot be reached; LockHeld (`STOP_LOCKED`) when the
 * embedded data directory is held by another process.
 */
export async function openDatabase(config: Pick<Config, 'databaseUrl' | 'pgliteDir' | 'secrets'>): Promise<Database> {
  if (config.databaseUrl !== undefined) return openPostgres(config.databaseUrl, { secrets: config.secrets });
  return openPglite(config.pgliteDir);
}
