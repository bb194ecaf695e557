/**
 * A migrated PGlite data directory built once per test machine and copied into each test
 * workspace, so the ~3–6 s initdb of an embedded database is paid once, not per test. The copy is
 * a real PGlite database: the product opens it exactly as one it made itself.
 */
import { createHash } from 'node:crypto';
import { cp, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { migrate, readMigrations } from '../../src/db/migrate.js';
import { openPglite } from '../../src/db/openPglite.js';

async function exists(p: string): Promise<boolean> {
  return stat(p).then(() => true, () => false);
}

/** Path of the template for the current migrations (built on first call; safe across workers). */
export async function pgliteTemplate(): Promise<string> {
  const migrations = await readMigrations();
  const key = createHash('sha256').update(migrations.map((m) => `${m.id}:${m.sha256}`).join('\n')).digest('hex').slice(0, 16);
  const dir = path.join(os.tmpdir(), `orchestrate-pglite-template-${key}`);
  if (await exists(path.join(dir, 'PG_VERSION'))) return dir;
  const work = await mkdtemp(path.join(os.tmpdir(), 'orchestrate-pglite-build-'));
  const data = path.join(work, 'pglite');
  const db = await openPglite(data);
  try {
    await migrate(db);
  } finally {
    await db.close();
  }
  // Publish atomically; a worker that lost the race keeps the winner's copy.
  await rename(data, dir).catch(() => undefined);
  await rm(work, { recursive: true, force: true });
  return dir;
}

/** Copies the template into `dataDir` (which must not exist yet). */
export async function seedPglite(dataDir: string): Promise<void> {
  await cp(await pgliteTemplate(), dataDir, { recursive: true });
}
