/**
 * Build a complete run once, copy it for every test. Building a run (`completeRun`: ~20 git
 * commits, keys, DB writes) takes seconds; copying its workspace and database takes a fraction of
 * one. Each test gets its own copy, so a tampering only ever touches the run of the test that made it.
 *
 * - The workspace (`orchestrate.yaml`, KB work tree with `.git`, sidecars, keyring, PGlite data
 *   directory) is copied with `fs.cp` to a fresh temp dir (on tmpfs when there is one) and
 *   reopened from its own `orchestrate.yaml` (relative paths), so no path of the copy points
 *   into the template.
 * - PGlite: the template's data directory is closed before it is copied, then the copy is opened.
 * - Real PostgreSQL: `CREATE DATABASE <copy> TEMPLATE <built>` (the built database has no open
 *   connection: its pool is closed once the build is done); every copy is dropped after its test
 *   (in the background: the next test does not wait for it).
 *
 * Measured here (2 cores, ext4 mounted with `discard`): building the run 6–10 s per engine (measured on the UDHR);
 * a copy 0.2–0.8 s; verifying a run 0.5–1.5 s.
 */
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, rm, statfs } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, inject, test as baseTest, type TestAPI } from 'vitest';
import type { Database } from '../../src/db/Database.js';
import { migrate } from '../../src/db/migrate.js';
import { openPglite } from '../../src/db/openPglite.js';
import { openPostgres } from '../../src/db/openPostgres.js';
import { createRunWorkspace, openRunWorkspace, type RunWorkspace } from './completedRun.js';
import { adminDsn, createTestDatabase, type TestDatabase } from './realPg.js';

/** The two engines every verify suite runs on. */
export type EngineName = 'pglite' | 'postgres';

/** One test's private copy of a built workspace and its database. */
export interface RunCopy {
  ws: RunWorkspace;
  /** The copy's open database (PGlite data directory of the copy, or the cloned PostgreSQL database). */
  db: Database;
  /** DSN of the cloned PostgreSQL database; undefined on PGlite (the database is `ws.config.pgliteDir`). */
  url: string | undefined;
  /** Closes `db` (PGlite holds a lock on its directory while open); safe to call twice. */
  closeDb(): Promise<void>;
  /**
   * Closes the database, then starts dropping the PostgreSQL clone and removing the workspace
   * copy in the background; the template's `drop()` waits for that.
   */
  cleanup(): Promise<void>;
}

/** A workspace and database built once (closed), with what the build returned. */
export interface RunTemplate<T> {
  engine: EngineName;
  /** What `build` returned (run ids, document paths, …: nothing in it is an absolute path). */
  data: T;
  /** A fresh copy of the workspace and database, independent of the template and of other copies. */
  copy(): Promise<RunCopy>;
  /** Waits for every copy's removal, then removes the template workspace and drops its PostgreSQL database. */
  drop(): Promise<void>;
}

/** What a build gets: a fresh workspace and its migrated, open database. */
export type BuildRuns<T> = (ws: RunWorkspace, db: Database) => Promise<T>;

async function adminQuery(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminDsn() });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

function dsnOf(name: string): string {
  const url = new URL(adminDsn());
  url.pathname = `/${name}`;
  return url.toString();
}

/** Free space a RAM-backed directory must have before copies go there (a copy is ~40 MB). */
const SHM_MIN_FREE = 2 * 1024 ** 3;

/**
 * Where copies go: `/dev/shm` (tmpfs) when it exists with room to spare, else the OS temp dir.
 * A copy only lives for one test; on tmpfs creating and freeing its ~1,400 files costs almost
 * nothing, while on a disk mounted with `discard` freeing 40 MB takes about a second.
 */
async function copyParent(): Promise<string> {
  try {
    const fs = await statfs('/dev/shm');
    if (fs.bavail * fs.bsize >= SHM_MIN_FREE) return '/dev/shm';
  } catch {
    // no /dev/shm (not Linux): the OS temp dir
  }
  return os.tmpdir();
}

async function copyRoot(root: string): Promise<string> {
  const copyDir = await mkdtemp(path.join(await copyParent(), 'verify-copy-'));
  await cp(root, copyDir, { recursive: true });
  return copyDir;
}

/** Copies `root` into a fresh temp dir and opens it with its own database (a PostgreSQL clone of `pgTemplate`, or the copied PGlite directory). */
async function openCopy(root: string, ws: RunWorkspace, pgTemplate: string | undefined, removeLater: (work: () => Promise<void>) => void): Promise<RunCopy> {
  const copyWs = await openRunWorkspace(await copyRoot(root), ws.sovereign);
  const cloneName = pgTemplate === undefined ? undefined : `orchestrate_test_${randomBytes(6).toString('hex')}`;
  const remove = async (): Promise<void> => {
    if (cloneName !== undefined) await adminQuery(`DROP DATABASE IF EXISTS ${cloneName} WITH (FORCE)`);
    await rm(copyWs.root, { recursive: true, force: true });
  };
  let db: Database;
  try {
    if (cloneName === undefined) {
      db = await openPglite(copyWs.config.pgliteDir);
    } else {
      await adminQuery(`CREATE DATABASE ${cloneName} TEMPLATE ${pgTemplate}`);
      db = await openPostgres(dsnOf(cloneName));
    }
  } catch (err) {
    await remove();
    throw err;
  }
  let open = true;
  const closeDb = async (): Promise<void> => {
    if (!open) return;
    open = false;
    await db.close();
  };
  return {
    ws: copyWs,
    db,
    url: cloneName === undefined ? undefined : dsnOf(cloneName),
    closeDb,
    async cleanup() {
      await closeDb();
      removeLater(remove);
    },
  };
}

/**
 * Creates a workspace and a migrated database of `engine`, runs `build` on them, closes the
 * database and returns the template to copy.
 *
 * Removing a copy (a ~40 MB PGlite directory, a dropped database) takes about a second on a disk
 * mounted with `discard`; it needs nothing from the test, so it runs in the background while the
 * next test works, and {@link RunTemplate.drop} waits for all of it.
 *
 * @param options.keyExpirationTime - passed to {@link createRunWorkspace}
 * @throws whatever `build` throws (the template is removed first); `drop()` throws an
 *   AggregateError when removing a copy failed
 */
export async function buildRunTemplate<T>(engine: EngineName, build: BuildRuns<T>, options: { keyExpirationTime?: number } = {}): Promise<RunTemplate<T>> {
  const ws = await createRunWorkspace(options);
  let testDb: TestDatabase | undefined;
  const removals: Promise<void>[] = [];
  const failures: unknown[] = [];
  const removeLater = (work: () => Promise<void>): void => {
    removals.push(work().catch((err: unknown) => {
      failures.push(err);
    }));
  };
  const drop = async (): Promise<void> => {
    await Promise.all(removals);
    await testDb?.drop();
    await ws.cleanup();
    if (failures.length > 0) throw new AggregateError(failures, `removing ${failures.length} copies of the ${engine} template failed`);
  };
  let data: T;
  try {
    let db: Database;
    if (engine === 'pglite') {
      db = await openPglite(ws.config.pgliteDir);
    } else {
      testDb = await createTestDatabase();
      db = await openPostgres(testDb.url);
    }
    try {
      await migrate(db);
      data = await build(ws, db);
    } finally {
      await db.close();
    }
  } catch (err) {
    await drop();
    throw err;
  }
  return {
    engine,
    data,
    drop,
    copy: () => openCopy(ws.root, ws, testDb?.name, removeLater),
  };
}

/** A `test` whose context holds `copy`: the test's own copy, made before it and removed after it. */
export type CopyTest = TestAPI<{ copy: RunCopy }>;

/** What a suite body of {@link describeEachEngineOnCopies} gets. */
export interface CopyContext<T> {
  readonly engine: EngineName;
  /** What the build returned (valid inside tests). */
  data(): T;
  /** Declares a test that receives its own copy as `copy` in its context. */
  test: CopyTest;
}

/**
 * Declares `describe(`${title} [pglite]`)` and `describe(`${title} [postgres]`)`. `build` runs
 * once per engine — both engines' builds start together in the first suite's `beforeAll`, and every
 * template is dropped in the file's `afterAll` — and each test gets a fresh copy through its
 * `copy` fixture. The PostgreSQL suite skips when the global setup found no server.
 */
export function describeEachEngineOnCopies<T>(title: string, build: BuildRuns<T>, body: (ctx: CopyContext<T>) => void): void {
  const engines: EngineName[] = inject('realPgAvailable') ? ['pglite', 'postgres'] : ['pglite'];
  let builds: Map<EngineName, Promise<RunTemplate<T>>> | undefined;
  const built = new Map<EngineName, RunTemplate<T>>();
  const startBuilds = (): Map<EngineName, Promise<RunTemplate<T>>> => {
    builds ??= new Map(engines.map((engine) => {
      const promise = buildRunTemplate(engine, build);
      // Awaited later by its own suite; this only keeps a failure from being reported as unhandled first.
      promise.catch(() => undefined);
      return [engine, promise];
    }));
    return builds;
  };
  afterAll(async () => {
    // A failed build was already reported by its suite's beforeAll; a failed drop is reported here.
    const drops = await Promise.allSettled([...(builds?.values() ?? [])].map((promise) => promise.then((t) => t.drop(), () => undefined)));
    const failed = drops.find((d): d is PromiseRejectedResult => d.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  });
  for (const engine of ['pglite', 'postgres'] as const) {
    describe.skipIf(!engines.includes(engine))(`${title} [${engine}]`, () => {
      beforeAll(async () => {
        const promise = startBuilds().get(engine);
        if (promise === undefined) throw new Error(`no template for ${engine}`);
        built.set(engine, await promise);
      });
      const template = (): RunTemplate<T> => {
        const t = built.get(engine);
        if (t === undefined) throw new Error('template not built yet: use it inside tests');
        return t;
      };
      body({
        engine,
        data: () => template().data,
        test: baseTest.extend<{ copy: RunCopy }>({
          // eslint-disable-next-line no-empty-pattern -- vitest reads fixture dependencies from this pattern: none
          copy: async ({}, use) => {
            const copy = await template().copy();
            try {
              await use(copy);
            } finally {
              await copy.cleanup();
            }
          },
        }),
      });
    });
  }
}
