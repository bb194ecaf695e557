/**
 * Opens the configured engine: `DATABASE_URL` set → PostgreSQL through `pg`; absent → embedded
 * PGlite in the workspace (DESIGN §9, issue 2). Only the configured driver is loaded (issue 11,
 * lazy start): `pg` and PGlite are each imported when first needed.
 */
import type { Config } from '../config/configSchema.js';
import type { Database } from './Database.js';

/**
 * An embedded data directory that does not exist yet is first seeded from the build's migrated
 * template ({@link seedPgliteFromTemplate}) when one matching the current migrations is present, so
 * a first open costs a copy instead of initdb + every migration.
 *
 * @throws DbUnavailable (`STOP_DB`, exit 20) when the server cannot be reached; LockHeld (`STOP_LOCKED`) when the
 * embedded data directory is held by another process.
 */
export async function openDatabase(config: Pick<Config, 'databaseUrl' | 'pgliteDir' | 'secrets'>): Promise<Database> {
  if (config.databaseUrl !== undefined) {
    const { openPostgres } = await import('./openPostgres.js');
    return openPostgres(config.databaseUrl, { secrets: config.secrets });
  }
  if (config.pgliteDir !== 'memory://') {
    const { seedPgliteFromTemplate } = await import('./pgliteTemplate.js');
    await seedPgliteFromTemplate(config.pgliteDir);
  }
  const { openPglite } = await import('./openPglite.js');
  return openPglite(config.pgliteDir);
}
