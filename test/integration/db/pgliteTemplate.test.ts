import { cp, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { migrate, readMigrations } from '../../../src/db/migrate.js';
import { openPglite } from '../../../src/db/openPglite.js';
import { buildPgliteTemplate, pgliteTemplateDir, seedPgliteFromTemplate, templateKey, TEMPLATE_ROOT } from '../../../src/db/pgliteTemplate.js';
import { packageRoot } from '../../../src/packageRoot.js';
import { pgliteTemplate } from '../../support/pgliteTemplate.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'orchestrate-template-'));
  await pgliteTemplate();
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Opens a data directory as the product does and migrates it; returns what migrate applied. */
async function migrateDir(dataDir: string): Promise<{ applied: string[]; alreadyApplied: string[] }> {
  const db = await openPglite(dataDir);
  try {
    const r = await migrate(db);
    return { applied: r.applied.map((m) => m.id), alreadyApplied: r.alreadyApplied };
  } finally {
    await db.close();
  }
}

describe('the migrated PGlite template', () => {
  test('a missing data directory becomes a copy of the template: a database with every migration applied', async () => {
    const dataDir = path.join(tmp, 'ws1', '.orchestrate', 'pglite');
    expect(await seedPgliteFromTemplate(dataDir)).toBe(true);
    const r = await migrateDir(dataDir);
    expect(r.applied).toEqual([]);
    expect(r.alreadyApplied).toEqual((await readMigrations()).map((m) => m.id));
  });

  test('a data directory that holds anything is left alone', async () => {
    const dataDir = path.join(tmp, 'ws2');
    await mkdir(dataDir, { recursive: true });
    await writeFile(path.join(dataDir, 'something'), 'x');
    expect(await seedPgliteFromTemplate(dataDir)).toBe(false);
    expect(await readdir(dataDir)).toEqual(['something']);
  });

  test('two processes seeding the same directory at once: one copy wins, no scratch copy is left (nor one of a killed seeder)', async () => {
    const parent = path.join(tmp, 'ws3');
    const dataDir = path.join(parent, 'pglite');
    // The scratch copy of a seeder killed halfway (no such pid) is cleaned up by the next seeder.
    await mkdir(path.join(parent, `pglite.seed-${2 ** 22 + 1}-0badc0de`), { recursive: true });
    const results = await Promise.all([seedPgliteFromTemplate(dataDir), seedPgliteFromTemplate(dataDir)]);
    expect(results.filter((x) => x)).toHaveLength(1);
    expect(await readdir(parent)).toEqual(['pglite']);
    expect(existsSync(path.join(dataDir, 'PG_VERSION'))).toBe(true);
  });

  test('a package without a built template seeds nothing (the caller runs initdb as before)', async () => {
    const root = path.join(tmp, 'pkg-none');
    await mkdir(root);
    await cp(path.join(packageRoot(), 'sql'), path.join(root, 'sql'), { recursive: true });
    await symlink(path.join(packageRoot(), 'node_modules'), path.join(root, 'node_modules'));
    expect(await pgliteTemplateDir(root)).toBeUndefined();
    expect(await seedPgliteFromTemplate(path.join(tmp, 'ws4'), root)).toBe(false);
    expect(existsSync(path.join(tmp, 'ws4'))).toBe(false);
  });

  test('the build makes the template once per migrations key, replaces a stale key, and a changed migration needs a new key', async () => {
    const root = path.join(tmp, 'pkg-build');
    await mkdir(root);
    await cp(path.join(packageRoot(), 'sql'), path.join(root, 'sql'), { recursive: true });
    await symlink(path.join(packageRoot(), 'node_modules'), path.join(root, 'node_modules'));
    const stale = path.join(root, TEMPLATE_ROOT, '0123456789abcdef');
    await mkdir(stale, { recursive: true });
    const first = await buildPgliteTemplate(root);
    expect(first.built).toBe(true);
    expect(path.basename(first.dir)).toBe(templateKey(await readMigrations(path.join(root, 'sql')), root));
    expect(await readdir(path.join(root, TEMPLATE_ROOT))).toEqual([path.basename(first.dir)]);
    expect(await pgliteTemplateDir(root)).toBe(first.dir);
    expect((await buildPgliteTemplate(root)).built).toBe(false);
    await writeFile(path.join(root, 'sql', 'deploy', '999_later.sql'), 'CREATE TABLE cutter.later (x int);');
    await writeFile(path.join(root, 'sql', 'verify', '999_later.sql'), 'SELECT true AS ok;');
    expect(await pgliteTemplateDir(root)).toBeUndefined();
  });
});
