/**
 * Checksummed, ordered schema migrations (issue 2, DESIGN §9): `sql/deploy/NNN_name.sql`, each
 * with `sql/verify/NNN_name.sql` (a query returning one row `ok boolean`), sqitch-style.
 *
 * All pending migrations apply in ONE transaction that first takes an advisory lock, so concurrent
 * migrators serialize and a failure leaves the schema as it was. Each applied migration is recorded
 * in `cutter_meta.schema_migration` with the sha256 of its deploy file; a recorded migration whose
 * file changed or vanished is refused (drift) and nothing is applied.
 *
 * Every command opening the database migrates first, so the common case (nothing pending) is one
 * SELECT compared with the files, no lock and no transaction (issue 11); anything else — a pending
 * migration, drift, no migration table yet — takes the locked path, which decides exactly as before.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { StopError } from '../errors.js';
import { packageRoot } from '../packageRoot.js';
import type { Database, Queryable } from './Database.js';

/** One migration on disk. */
export interface Migration {
  /** File stem, e.g. `003_iu`; ordering is by this id. */
  id: string;
  /** sha256 hex of the deploy file's bytes. */
  sha256: string;
  deploySql: string;
  verifySql: string;
}

/** What {@link migrate} did. */
export interface MigrateResult {
  engine: Database['engine'];
  applied: { id: string; sha256: string }[];
  alreadyApplied: string[];
}

/** Advisory lock key shared by every migrator (any int8; fixed so hosts agree). */
export const MIGRATE_LOCK = 7_202_611_210;

const META_DDL = `CREATE SCHEMA IF NOT EXISTS cutter_meta;
CREATE TABLE IF NOT EXISTS cutter_meta.schema_migration (
  id text PRIMARY KEY,
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  applied_at timestamptz NOT NULL DEFAULT now()
);`;

/**
 * Reads the migrations of `sqlDir` (default: the package's `sql/`), ordered by id.
 * @throws Error when a deploy file has no verify file.
 */
export async function readMigrations(sqlDir = path.join(packageRoot(), 'sql')): Promise<Migration[]> {
  const deployDir = path.join(sqlDir, 'deploy');
  const names = (await readdir(deployDir)).filter((n) => /^\d{3}_[a-z0-9_]+\.sql$/.test(n)).sort();
  const out: Migration[] = [];
  for (const name of names) {
    const bytes = await readFile(path.join(deployDir, name));
    let verifySql: string;
    try {
      verifySql = await readFile(path.join(sqlDir, 'verify', name), 'utf8');
    } catch {
      throw new Error(`migration ${name} has no verify query (sql/verify/${name})`);
    }
    out.push({ id: name.slice(0, -4), sha256: createHash('sha256').update(bytes).digest('hex'), deploySql: bytes.toString('utf8'), verifySql });
  }
  return out;
}

async function runVerify(tx: Queryable, m: Migration): Promise<boolean> {
  const r = await tx.query<{ ok: boolean }>(m.verifySql);
  return r.rows.length === 1 && r.rows[0]?.ok === true;
}

function drift(message: string): StopError {
  return new StopError('STOP_DRIFT', message, {
    notWritten: ['no migration was applied'],
    next: 'restore the applied migration file from git (applied migrations are never edited: add a new migration instead)',
  });
}

/**
 * The fast check: one SELECT of the recorded migrations. Returns their ids when they are exactly
 * the files, in order, with the same sha256 (nothing pending, no drift); `undefined` otherwise —
 * including when the table does not exist yet or cannot be read — so the caller takes the locked
 * path, which applies what is pending or reports the drift.
 */
async function recordedMatchesFiles(db: Queryable, migrations: readonly Migration[]): Promise<string[] | undefined> {
  let recorded: { id: string; sha256: string }[];
  try {
    recorded = (await db.query<{ id: string; sha256: string }>('SELECT id, sha256 FROM cutter_meta.schema_migration ORDER BY id')).rows;
  } catch {
    return undefined;
  }
  if (recorded.length !== migrations.length) return undefined;
  for (const [i, row] of recorded.entries()) {
    const file = migrations[i];
    if (file === undefined || file.id !== row.id || file.sha256 !== row.sha256) return undefined;
  }
  return recorded.map((r) => r.id);
}

/**
 * Applies every pending migration; a no-op when all are applied.
 *
 * @throws StopError `STOP_DRIFT` when an applied migration's file changed, vanished, or a new
 *   migration sorts before an applied one; Error when a verify query does not return `ok = true`
 *   (the transaction is rolled back: nothing is applied).
 */
export async function migrate(db: Database, options: { sqlDir?: string } = {}): Promise<MigrateResult> {
  const migrations = await readMigrations(options.sqlDir);
  const upToDate = await recordedMatchesFiles(db, migrations);
  if (upToDate !== undefined) return { engine: db.engine, applied: [], alreadyApplied: upToDate };
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATE_LOCK]);
    await tx.exec(META_DDL);
    const recorded = (await tx.query<{ id: string; sha256: string }>('SELECT id, sha256 FROM cutter_meta.schema_migration ORDER BY id')).rows;
    const byId = new Map(migrations.map((m) => [m.id, m]));
    for (const row of recorded) {
      const file = byId.get(row.id);
      if (file === undefined) throw drift(`applied migration ${row.id} has no file in sql/deploy/ any more`);
      if (file.sha256 !== row.sha256) {
        throw drift(`applied migration ${row.id} was edited: recorded sha256 ${row.sha256.slice(0, 16)}…, file now ${file.sha256.slice(0, 16)}…`);
      }
    }
    const done = new Set(recorded.map((r) => r.id));
    const lastApplied = recorded.at(-1)?.id;
    const pending = migrations.filter((m) => !done.has(m.id));
    const early = pending.find((m) => lastApplied !== undefined && m.id < lastApplied);
    if (early !== undefined) throw drift(`migration ${early.id} sorts before the applied ${lastApplied}: number new migrations after the last applied one`);
    const applied: MigrateResult['applied'] = [];
    for (const m of pending) {
      await tx.exec(m.deploySql);
      if (!(await runVerify(tx, m))) throw new Error(`migration ${m.id}: its verify query did not return ok = true; nothing was applied`);
      await tx.query('INSERT INTO cutter_meta.schema_migration (id, sha256) VALUES ($1, $2)', [m.id, m.sha256]);
      applied.push({ id: m.id, sha256: m.sha256 });
    }
    return { engine: db.engine, applied, alreadyApplied: recorded.map((r) => r.id) };
  });
}

/**
 * Runs every migration's verify query against the live schema (CI runs it after migrating).
 * @returns one entry per migration; `ok` false when its verify query did not return `ok = true`.
 */
export async function verifyMigrations(db: Database, options: { sqlDir?: string } = {}): Promise<{ id: string; ok: boolean }[]> {
  const migrations = await readMigrations(options.sqlDir);
  const out: { id: string; ok: boolean }[] = [];
  for (const m of migrations) {
    const ok = await runVerify(db, m).catch(() => false);
    out.push({ id: m.id, ok });
  }
  return out;
}
