/**
 * The production engine: any PostgreSQL ≥ 14 through a `pg` Pool, selected by `DATABASE_URL`
 * (DESIGN §9). Connection failures are `STOP_DB` (exit 20) and never show the password.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFromStdin } from 'pg-copy-streams';
import pRetry, { AbortError } from 'p-retry';
import { DbUnavailable } from '../stops/facts.js';
import { failpoint } from '../failpoints/failpoint.js';
import type { CopyValue, Database, Queryable, QueryResult, TransactionOptions } from './Database.js';
import { copyStatement, copyTextChunks } from './copyText.js';
import { toDbError } from './dbErrors.js';
import { dsnPasswords, redactDsn, scrub } from './redactDsn.js';

/** SQLSTATEs retrying cannot fix: bad password, no such role/database. */
const FATAL_CONNECT = new Set(['28P01', '28000', '3D000', '42501']);

const NETWORK = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|Connection terminated|timeout expired/i;

function stopDb(dsn: string, secrets: readonly string[], err: unknown): DbUnavailable {
  return new DbUnavailable('postgres', redactDsn(dsn), scrub(err instanceof Error ? err.message : String(err), secrets), err);
}

function wrap(client: pg.Pool | pg.PoolClient, dsn: string, secrets: readonly string[]): Queryable {
  const mapError = (err: unknown): unknown => {
    const mapped = toDbError(err, secrets);
    if (mapped === err && err instanceof Error && NETWORK.test(err.message)) return stopDb(dsn, secrets, err);
    // Connection lost, server shutting down, out of resources, serialization/deadlock: the database,
    // not the run, failed; the transaction was rolled back and resume retries the step.
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && /^(08|40|53|57)/.test(code)) return stopDb(dsn, secrets, err);
    return mapped;
  };
  return {
    async query<T>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
      try {
        const r = await client.query(sql, params as unknown[] | undefined);
        return { rows: r.rows as T[], rowCount: r.rowCount ?? 0 };
      } catch (err) {
        throw mapError(err);
      }
    },
    async exec(sql: string): Promise<void> {
      try {
        await client.query(sql);
      } catch (err) {
        throw mapError(err);
      }
    },
    async copyFrom(table: string, columns: readonly string[], rows: Iterable<readonly CopyValue[]>): Promise<number> {
      const sql = copyStatement(table, columns, 'STDIN');
      // A COPY holds its connection for the whole stream: on the pool, borrow one client for it.
      const conn = client instanceof pg.Pool ? await client.connect().catch((err: unknown) => { throw stopDb(dsn, secrets, err); }) : client;
      try {
        const stream = conn.query(copyFromStdin(sql));
        await pipeline(Readable.from(copyTextChunks(rows)), stream);
        return stream.rowCount;
      } catch (err) {
        throw mapError(err);
      } finally {
        if (conn !== client) (conn as pg.PoolClient).release();
      }
    },
  };
}

/**
 * Opens a `pg` Pool on `dsn` and proves it with `SELECT 1` (2 retries, 250 ms then 500 ms, for a
 * server that is just starting; authentication and missing-database errors are not retried).
 *
 * @throws DbUnavailable (`STOP_DB`) whose message contains the redacted DSN and never the password.
 */
export async function openPostgres(dsn: string, options: { secrets?: readonly string[]; retries?: number } = {}): Promise<Database> {
  const secrets = [...(options.secrets ?? []), ...dsnPasswords(dsn)];
  const pool = new pg.Pool({ connectionString: dsn, max: 4, connectionTimeoutMillis: 5_000, idleTimeoutMillis: 10_000 });
  // An idle client's network error would otherwise crash the process.
  pool.on('error', () => undefined);
  try {
    await pRetry(
      async () => {
        try {
          await pool.query('SELECT 1');
        } catch (err) {
          const code = (err as { code?: unknown }).code;
          if (typeof code === 'string' && FATAL_CONNECT.has(code)) throw new AbortError(err as Error);
          throw err;
        }
      },
      { retries: options.retries ?? 2, minTimeout: 250, factor: 2 },
    );
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw stopDb(dsn, secrets, err);
  }
  const outer = wrap(pool, dsn, secrets);
  return {
    engine: 'postgres',
    query: outer.query,
    exec: outer.exec,
    copyFrom: outer.copyFrom,
    async transaction<T>(fn: (tx: Queryable) => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        throw stopDb(dsn, secrets, err);
      }
      const tx = wrap(client, dsn, secrets);
      try {
        await tx.exec('BEGIN');
        if (opts.role !== undefined) await tx.exec(`SET LOCAL ROLE "${opts.role}"`);
        const result = await fn(tx);
        failpoint('db.commit.before', opts.scope);
        await tx.exec('COMMIT');
        failpoint('db.commit.after', opts.scope);
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    async close(): Promise<void> {
      await pool.end();
    },
  };
}
