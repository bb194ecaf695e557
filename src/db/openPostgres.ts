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
import type { CopyValue, Database, Queryable, QueryResult, SessionLockResult, TransactionOptions } from './Database.js';
import { copyStatement, copyTextChunks } from './copyText.js';
import { toDbError } from './dbErrors.js';
import { dsnPasswords, redactDsn, scrub } from './redactDsn.js';

/** SQLSTATEs retrying cannot fix: bad password, no such role/database. */
const FATAL_CONNECT = new Set(['28P01', '28000', '3D000', '42501']);

const NETWORK = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|Connection terminated|timeout expired/i;

function stopDb(dsn: string, secrets: readonly string[], err: unknown): DbUnavailable {
  return new DbUnavailable('postgres', redactDsn(dsn), scrub(err instanceof Error ? err.message : String(err), secrets), err);
}

/** A driver error as this module reports it: DbConstraintError/DbQueryError, or STOP_DB when the database failed. */
function mapPgError(err: unknown, dsn: string, secrets: readonly string[]): unknown {
  const mapped = toDbError(err, secrets);
  if (mapped === err && err instanceof Error && NETWORK.test(err.message)) return stopDb(dsn, secrets, err);
  // Connection lost, server shutting down, out of resources, serialization/deadlock: the database,
  // not the run, failed; the transaction was rolled back and resume retries the step.
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && /^(08|40|53|57)/.test(code)) return stopDb(dsn, secrets, err);
  return mapped;
}

/**
 * Checks a client out of `pool` with an 'error' listener for as long as it is out. `pg` emits a
 * checked-out client's lost connection (a terminated backend, a dropped network) as an 'error'
 * event, which with no listener crashes the process with a stack trace; the query in flight is
 * rejected with the server's error (e.g. 57P01, mapped to `STOP_DB`), so that is where it is handled.
 * @throws the pool's connect error, unmapped
 */
async function checkout(pool: pg.Pool): Promise<pg.PoolClient> {
  const client = await pool.connect();
  const onLost = (): void => undefined;
  client.on('error', onLost);
  const release = client.release.bind(client);
  client.release = (err?: Error | boolean) => {
    client.removeListener('error', onLost);
    release(err);
  };
  return client;
}

function wrap(client: pg.Pool | pg.PoolClient, dsn: string, secrets: readonly string[]): Queryable {
  const mapError = (err: unknown): unknown => mapPgError(err, dsn, secrets);
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
      const conn = client instanceof pg.Pool ? await checkout(client).catch((err: unknown) => { throw stopDb(dsn, secrets, err); }) : client;
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
        client = await checkout(pool);
      } catch (err) {
        throw stopDb(dsn, secrets, err);
      }
      const tx = wrap(client, dsn, secrets);
      try {
        await tx.exec('BEGIN');
        if (opts.role !== undefined) await tx.exec(`SET LOCAL ROLE "${opts.role}"`);
        const result = await fn(tx);
        if (opts.failpoints !== false) failpoint('db.commit.before', opts.scope);
        await tx.exec('COMMIT');
        if (opts.failpoints !== false) failpoint('db.commit.after', opts.scope);
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    async trySessionLock(key: string, label: string): Promise<SessionLockResult> {
      let client: pg.PoolClient;
      try {
        client = await checkout(pool);
      } catch (err) {
        throw stopDb(dsn, secrets, err);
      }
      try {
        await client.query("SELECT set_config('application_name', $1, false)", [Buffer.from(label, 'utf8').subarray(0, 63).toString('utf8').replace(/\uFFFD$/, '')]);
        const got = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok', [key]);
        if (got.rows[0]?.ok === true) {
          // The lock lives as long as this session: a failed or ended connection frees it on the
          // server at once, which the holder must learn (issue 13) instead of driving on unlocked.
          let lostWhy: string | undefined;
          const onError = (err: Error): void => {
            lostWhy ??= scrub(err.message, secrets);
          };
          const onEnd = (): void => {
            lostWhy ??= 'the connection ended';
          };
          client.on('error', onError);
          client.on('end', onEnd);
          return {
            held: true,
            lost: () => lostWhy,
            async release(): Promise<void> {
              client.removeListener('end', onEnd);
              client.removeListener('error', onError);
              try {
                await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key]);
                await client.query("SELECT set_config('application_name', '', false)");
                client.release();
              } catch (err) {
                // A broken connection is dropped, not pooled; the server freed its lock with it.
                client.release(err instanceof Error ? err : true);
              }
            },
          };
        }
        // A bigint advisory key shows in pg_locks as classid (high 32 bits) and objid (low 32 bits).
        const who = await client.query<{ holder: string | null }>(
          `SELECT a.application_name AS holder FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended($1, 0) LIMIT 1`,
          [key],
        );
        client.release();
        const holder = who.rows[0]?.holder ?? null;
        return { held: false, holder: holder === '' ? null : holder };
      } catch (err) {
        client.release(err instanceof Error ? err : true);
        throw mapPgError(err, dsn, secrets);
      }
    },
    async close(): Promise<void> {
      await pool.end();
    },
  };
}
