/**
 * The migrated PGlite template shipped with the build (issue 11, "embedded default ready at init").
 *
 * `npm run build` runs `scripts/build-pglite-template.mjs`, which calls {@link buildPgliteTemplate}:
 * a PGlite data directory created and migrated once, stored under
 * `dist/pglite-template/<key>/` where the key is a hash of the PGlite version and every migration's
 * id and sha256. Creating an embedded database is then a directory copy instead of initdb plus
 * every migration (seconds and ~900 MB of RSS). The copy is a real PGlite database: the product
 * opens and migrates it exactly as one it made itself, so drift checks are unchanged.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { packageRoot } from '../packageRoot.js';
import { migrate, readMigrations, type Migration } from './migrate.js';

/** Folder (under the package root) holding the build's templates. */
export const TEMPLATE_ROOT = path.join('dist', 'pglite-template');

/**
 * The installed PGlite's version (its data format is part of the template key), read from the
 * `node_modules/@electric-sql/pglite/package.json` Node's resolution finds from `root`.
 */
function pgliteVersion(root: string): string {
  let dir = root;
  for (;;) {
    const manifest = path.join(dir, 'node_modules', '@electric-sql', 'pglite', 'package.json');
    if (existsSync(manifest)) {
      const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { version?: unknown };
      if (typeof parsed.version === 'string') return parsed.version;
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find the package.json of @electric-sql/pglite');
    dir = up;
  }
}

/**
 * Key of a template: 16 hex characters of sha256 over the PGlite version and every migration's
 * `id:sha256`, so a changed, added or removed migration (or another PGlite) needs a new template.
 * @param root - package root whose `node_modules` holds PGlite (default: {@link packageRoot})
 */
export function templateKey(migrations: readonly Pick<Migration, 'id' | 'sha256'>[], root = packageRoot()): string {
  const lines = [`pglite ${pgliteVersion(root)}`, ...migrations.map((m) => `${m.id}:${m.sha256}`)];
  return createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16);
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(() => true, () => false);
}

/**
 * The build's template data directory for the current migrations, or `undefined` when it was not
 * built (e.g. running from the TypeScript sources before `npm run build`).
 * @param root - package root (default: {@link packageRoot})
 */
export async function pgliteTemplateDir(root = packageRoot()): Promise<string | undefined> {
  const dir = path.join(root, TEMPLATE_ROOT, templateKey(await readMigrations(path.join(root, 'sql')), root));
  return (await exists(path.join(dir, 'PG_VERSION'))) ? dir : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes templates of other keys and scratch folders of builders that are no longer running. */
async function removeStale(base: string, key: string): Promise<void> {
  for (const name of await readdir(base)) {
    const builder = /^\.build-(\d+)-[0-9a-f]+(?:\.lock)?$/.exec(name);
    const stale = builder === null ? /^[0-9a-f]{16}$/.test(name) && name !== key : !isAlive(Number(builder[1]));
    if (stale) await rm(path.join(base, name), { recursive: true, force: true });
  }
}

/**
 * Builds the template for the current migrations unless it exists; removes templates of other keys.
 * Built in a scratch folder beside it and published with one rename, so a build killed halfway
 * leaves no half template behind, and concurrent builders (test workers) never remove a published
 * template another process may be copying.
 *
 * @param root - package root (default: {@link packageRoot})
 * @returns the template directory and whether it was built now
 * @throws Error (or a database error) when a migration fails: no template is published.
 */
export async function buildPgliteTemplate(root = packageRoot()): Promise<{ dir: string; built: boolean }> {
  const migrations = await readMigrations(path.join(root, 'sql'));
  const key = templateKey(migrations, root);
  const base = path.join(root, TEMPLATE_ROOT);
  const dir = path.join(base, key);
  await mkdir(base, { recursive: true });
  await removeStale(base, key);
  if (await exists(path.join(dir, 'PG_VERSION'))) return { dir, built: false };
  const scratch = path.join(base, `.build-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const { openPglite } = await import('./openPglite.js');
    const db = await openPglite(scratch);
    try {
      await migrate(db, { sqlDir: path.join(root, 'sql') });
    } finally {
      await db.close();
    }
    try {
      await rename(scratch, dir);
    } catch (err) {
      // Another builder published the same key first: theirs is as good as ours.
      if (!isTaken(err)) throw err;
      return { dir, built: false };
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
    await rm(`${scratch}.lock`, { force: true });
  }
  return { dir, built: true };
}

function isTaken(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOTEMPTY' || code === 'EEXIST';
}

/** Removes scratch copies beside `target` left by seeders that were killed halfway. */
async function removeDeadSeeds(target: string): Promise<void> {
  const prefix = `${path.basename(target)}.seed-`;
  for (const name of await readdir(path.dirname(target))) {
    const seeder = name.startsWith(prefix) ? /^(\d+)-[0-9a-f]+$/.exec(name.slice(prefix.length)) : null;
    if (seeder !== null && !isAlive(Number(seeder[1]))) await rm(path.join(path.dirname(target), name), { recursive: true, force: true });
  }
}

/**
 * Makes a missing (or empty) embedded data directory a copy of the build's template. Does nothing
 * when `dataDir` already holds anything, or when no template is built (the caller then opens PGlite,
 * which runs initdb, as before).
 *
 * The copy goes to a scratch folder beside `dataDir` and is published with one rename, so a second
 * process seeding at the same time, or a crash halfway, never leaves a half-copied database: the
 * loser's rename fails on the non-empty directory and its copy is discarded; a scratch copy of a
 * killed seeder is removed by the next one.
 *
 * @param dataDir - absolute PGlite data directory
 * @param root - package root (default: {@link packageRoot})
 * @returns true when this call created the data directory from the template
 */
export async function seedPgliteFromTemplate(dataDir: string, root = packageRoot()): Promise<boolean> {
  const entries = await readdir(dataDir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  if (entries.length > 0) return false;
  const template = await pgliteTemplateDir(root);
  if (template === undefined) return false;
  const target = dataDir.replace(/\/+$/, '');
  const scratch = `${target}.seed-${process.pid}-${randomBytes(4).toString('hex')}`;
  await mkdir(path.dirname(target), { recursive: true });
  await removeDeadSeeds(target);
  try {
    await cp(template, scratch, { recursive: true, errorOnExist: true, force: false });
    try {
      await rename(scratch, target);
    } catch (err) {
      if (isTaken(err)) return false;
      throw err;
    }
    return true;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
