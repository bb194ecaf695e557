/**
 * The embedded default engine: PGlite (PostgreSQL compiled to WASM) with its data directory in
 * the workspace, created on first use (DESIGN §9).
 */
import { mkdir } from 'node:fs/promises';
import { PGlite, types, type Transaction } from '@electric-sql/pglite';
import { acquirePidLock } from '../sidecar/acquirePidLock.js';
import { DbUnavailable } from '../stops/facts.js';
import { failpoint } from '../failpoints/failpoint.js';
import type { CopyValue, Database, QueryResult, Queryable, SessionLockResult, TransactionOptions } from './Database.js';
import { copyStatement, copyTextChunks } from './copyText.js';
import { toDbError } from './dbErrors.js';

type PgliteLike = Pick<PGlite, 'query' | 'exec'> | Transaction;

/**
 * `COPY … FROM '/dev/blob'` reads a (virtual) server file, which PostgreSQL allows only to a
 * superuser or pg_read_server_files. Under a least-privilege role (`SET LOCAL ROLE`) the role is
 * lifted for that one statement, and only into a temporary table of this session: the real
 * tables are then written under the role by `INSERT … SELECT`, where grants and triggers apply.
 */
async function copyFromBlob(target: PgliteLike, table: string, columns: readonly string[], rows: Iterable<readonly CopyValue[]>): Promise<number> {
  const sql = copyStatement(table, columns, "'/dev/blob'");
  const blob = new Blob([...copyTextChunks(rows)]);
  const who = await target.query<{ current_user: string; session_user: string; persistence: string | null }>(
    'SELECT current_user, session_user, (SELECT relpersistence::text FROM pg_class WHERE oid = to_regclass($1)) AS persistence',
    [table.split('.').map((p) => `"${p}"`).join('.')],
  );
  const me = who.rows[0];
  const lift = me !== undefined && me.current_user !== me.session_user;
  if (lift && me.persistence !== 't') {
    throw new Error(`COPY into ${table} under role ${me.current_user}: on PGlite only a temporary (staging) table can be a COPY target`);
  }
  if (lift) await target.query('SET LOCAL ROLE NONE');
  const r = await target.query(sql, [], { blob });
  // Restored only on success: a failed COPY aborts the transaction, whose SET LOCAL ends with it.
  if (lift) await target.query(`SET LOCAL ROLE "${me.current_user.replace(/"/g, '""')}"`);
  return r.affectedRows ?? 0;
}

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
    async copyFrom(table: string, columns: readonly string[], rows: Iterable<readonly CopyValue[]>): Promise<number> {
      try {
        return await copyFromBlob(target, table, columns, rows);
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
    copyFrom: outer.copyFrom,
    async transaction<T>(fn: (tx: Queryable) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
      let result: T;
      try {
        result = await pg.transaction(async (tx) => {
          if (options.role !== undefined) await tx.query(`SET LOCAL ROLE "${options.role}"`);
          const value = await fn(wrap(tx));
          if (options.failpoints !== false) failpoint('db.commit.before', options.scope);
          return value;
        });
      } catch (err) {
        throw toDbError(err);
      }
      if (options.failpoints !== false) failpoint('db.commit.after', options.scope);
      return result;
    },
    // One process owns the data directory (its pid lock): no other session can contend.
    trySessionLock: async (): Promise<SessionLockResult> => ({ held: true, release: async () => undefined, lost: () => undefined }),
    async close(): Promise<void> {
      try {
        await pg.close();
      } finally {
        await release?.();
      }
    },
  };
}
