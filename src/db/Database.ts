/**
 * The one small database interface both engines implement (issue 2): `query`, `exec`,
 * `transaction(fn)`, `close`. The same SQL runs on PGlite and on PostgreSQL through `pg`.
 */
import type { CopyValue } from './copyText.js';

export type { CopyValue };

/** Rows of a query; int8 values are strings on both engines, timestamps are `Date`. */
export interface QueryResult<T> {
  rows: T[];
  /** Rows inserted/updated/deleted by the statement (0 for SELECT on PGlite). */
  rowCount: number;
}

/** Something SQL can be sent to: the database or an open transaction. */
export interface Queryable {
  /** One statement with `$1…$n` parameters. */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>;
  /** Several statements, no parameters (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * Streams `rows` into `table (columns)` with `COPY … FROM` in the text format (issue 11): `COPY
   * FROM STDIN` through pg-copy-streams on PostgreSQL, `COPY FROM '/dev/blob'` on PGlite. Inside a
   * transaction run as a role, PGlite's file COPY needs a superuser, so there the target must be a
   * temporary table (a staging table; real tables are written by a later `INSERT … SELECT` under
   * the role).
   *
   * @param table - plain `[schema.]name`, lower case
   * @param columns - plain lower-case column names, in the order of each row's values
   * @param rows - values: text (any Unicode, escaped here), finite numbers, or null
   * @returns rows copied
   * @throws Error for a non-plain identifier or a non-finite number; DbError when COPY fails
   *   (a bad value, a constraint, privileges; PGlite: the target not temporary while a role is set).
   */
  copyFrom(table: string, columns: readonly string[], rows: Iterable<readonly CopyValue[]>): Promise<number>;
}

/** Options of {@link Database.transaction}. */
export interface TransactionOptions {
  /** Failpoint scope (a phase name) for the `db.commit.before/after` failpoints (DESIGN §10). */
  scope?: string;
  /** Run the transaction's statements as this role (`SET LOCAL ROLE`), e.g. the least-privilege writer. */
  role?: string;
  /**
   * Fire the `db.commit.before/after` failpoints (default true). False for the run registry's
   * writes, which are part of the sidecar write and lie between its `sidecar.write.*` points.
   */
  failpoints?: boolean;
}

/** The outcome of {@link Database.trySessionLock}. */
export type SessionLockResult =
  | {
      held: true;
      release(): Promise<void>;
      /**
       * Why the lock is no longer held although `release` was not called (its session's connection
       * failed or ended: the server freed the lock with it), or undefined while it is held.
       */
      lost(): string | undefined;
    }
  /** `holder`: the holding session's `application_name` (what it said it was), when it could be read. */
  | { held: false; holder: string | null };

/** An open database: PGlite (embedded) or a `pg` pool. */
export interface Database extends Queryable {
  readonly engine: 'pglite' | 'postgres';
  /**
   * Tries to take the session-level advisory lock `key` (issue 13: the run lock across hosts). On
   * PostgreSQL a dedicated connection, named `label` (`application_name`, 63 bytes at most), holds
   * it until `release()` or until the process dies — the server then frees it at once. On PGlite
   * (one process owns the data directory) it is always held: the pid locks guard that process.
   * @throws DbUnavailable (STOP_DB) when no connection can be made
   */
  trySessionLock(key: string, label: string): Promise<SessionLockResult>;
  /**
   * Runs `fn` in one transaction: COMMIT when it resolves, ROLLBACK when it throws (the error is
   * re-thrown). Use only `tx` inside `fn`: PGlite is a single connection and querying the outer
   * handle inside deadlocks (STACK-NOTES).
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T>;
  close(): Promise<void>;
}
