/**
 * The migrated PGlite data directory tests copy into each workspace, so the ~3–6 s initdb of an
 * embedded database is paid once, not per test. It is the build's template
 * (`dist/pglite-template/<key>/`, src/db/pgliteTemplate.ts), built here when `npm run build` has not
 * built it yet: the same directory `orchestrate init` copies, so tests open exactly what users get.
 */
import { cp, stat } from 'node:fs/promises';
import path from 'node:path';
import { buildPgliteTemplate } from '../../src/db/pgliteTemplate.js';

async function exists(p: string): Promise<boolean> {
  return stat(p).then(() => true, () => false);
}

/** Path of the template for the current migrations (built on first call; safe across workers). */
export async function pgliteTemplate(): Promise<string> {
  return (await buildPgliteTemplate()).dir;
}

/**
 * Copies the template into `dataDir` unless it already holds a database (`orchestrate init` made
 * one from the same template).
 */
export async function seedPglite(dataDir: string): Promise<void> {
  if (await exists(path.join(dataDir, 'PG_VERSION'))) return;
  await cp(await pgliteTemplate(), dataDir, { recursive: true });
}
