/**
 * The embedded default engine: PGlite (PostgreSQL compiled to WASM) with its data directory in
 * the workspace, created on first use (DESIGN §9).
 */
import { mkdir } from 'node:fs/promises';
import { PGlite, types, type Transaction } from '@electric-sql/pglite';
import { acquirePidLock } from '../sidecar/acquirePidLock.js';
import { DbUnavailable } from '../stops/facts.js';
import { failpoint } from '../failpoints/failpoint.js';
import type { Database, Queryable, QueryResult, TransactionOptions } from './Database.js';
import { toDbError } from './dbErrors.js';

type PgliteLike = Pick<PGlite, 'query' | 'exec'> | Transaction;

function wrap(target: PgliteLike): Queryable {
  return {
    async query<T>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
      try {
        const r = await target.query<T>(sql, params as unknown[] | undefined);
        return { rows: r.rows, rowCount: r.affectedRows ?? 0 };
      } catch (err) {
        throw toDbError(err);
      }
    },
    async exec(sql: string): Promise<void> {
      try {
        await target.exec(sql);
      } catch (err) {
        throw toDbError(err);
      }
    },
  };
}

/**
 * Opens (creating on first use) a PGlite database.
 *
 * PGlite is one connection in one process, so a second process opening the same data directory
 * would corrupt it: `<dataDir>.lock` (a pid lock) is held for as long as it is open; a second
 * opener waits up to 5 s, then stops with `STOP_LOCKED`; a lock left by a killed process is taken over.
 *
 * @param dataDir - absolute data directory, or `memory://` for an in-memory database (tests)
 * @throws LockHeld (`STOP_LOCKED`) when another live process holds the directory; DbUnavailable (`STOP_DB`) when it cannot start.
 */
export async function openPglite(dataDir: string): Promise<Database> {
  let release: (() => Promise<void>) | undefined;
  if (dataDir !== 'memory://') {
    await mkdir(dataDir, { recursive: true });
    const lock = await acquirePidLock(`${dataDir.replace(/\/+$/, '')}.lock`, { label: `the embedded database ${dataDir}` }, { waitMs: 5_000 });
    release = async () => {
      await lock.release();
    };
  }
  let pg: PGlite;
  try {
    pg = await PGlite.create(dataDir === 'memory://' ? undefined : dataDir, {
      // int8 as string on both engines (STACK-NOTES).
      parsers: { [types.INT8]: (v: string) => v },
    });
  } catch (err) {
    await release?.();
    throw new DbUnavailable('pglite', dataDir, err instanceof Error ? err.message : String(err), err);
  }
  const outer = wrap(pg);
  return {
    engine: 'pglite',
    query: outer.query,
    exec: outer.exec,
    async transaction<T>(fn: (tx: Queryable) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
      let result: T;
      try {
        result = await pg.transaction(async (tx) => {
          if (options.role !== undefined) await tx.query(`SET LOCAL ROLE "${options.role}"`);
          const value = await fn(wrap(tx));
          failpoint('db.commit.before', options.scope);
          return value;
        });
      } catch (err) {
        throw toDbError(err);
      }
      failpoint('db.commit.after', options.scope);
      return result;
    },
    async close(): Promise<void> {
      try {
        await pg.close();
      } finally {
        await release?.();
      }
    },
  };
}
