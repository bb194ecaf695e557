/**
 * Typed database errors. Both drivers raise errors with a SQLSTATE `code` and a `constraint`
 * name; we match on those fields, never on the driver's class (STACK-NOTES).
 */
import { scrub } from './redactDsn.js';

/** A statement broke a constraint (UNIQUE 23505, CHECK 23514, FK 23503, …) or a guard trigger. */
export class DbConstraintError extends Error {
  override readonly name = 'DbConstraintError';
  constructor(
    message: string,
    /** SQLSTATE, e.g. `23505`. */
    readonly sqlstate: string,
    /** Constraint name when the server reported one, e.g. `cut_change_set_idempotency_key_key`. */
    readonly constraint: string | undefined,
    readonly table: string | undefined,
  ) {
    super(message);
  }

  /** True for a UNIQUE violation (SQLSTATE 23505). */
  get isUniqueViolation(): boolean {
    return this.sqlstate === '23505';
  }
}

/** Any other server-side SQL error, with its SQLSTATE. */
export class DbQueryError extends Error {
  override readonly name = 'DbQueryError';
  constructor(message: string, readonly sqlstate: string | undefined) {
    super(message);
  }
}

interface DriverError {
  code?: unknown;
  constraint?: unknown;
  table?: unknown;
  message?: unknown;
}

/** SQLSTATE raised by the append-only guard triggers on governance tables (sql/deploy/003). */
export const SQLSTATE_APPEND_ONLY = 'GC001';
/** SQLSTATE raised when an IU's lifecycle would move backwards or a frozen column would change. */
export const SQLSTATE_LIFECYCLE = 'GC002';
/** SQLSTATE raised when a run snapshot's version is not the last recorded + 1 (sql/deploy/009). */
export const SQLSTATE_REGISTRY_VERSION = 'GC003';

/**
 * Maps a driver error to {@link DbConstraintError} (SQLSTATE class 23, and the guard triggers'
 * {@link SQLSTATE_APPEND_ONLY} / {@link SQLSTATE_LIFECYCLE}) or {@link DbQueryError} (any other
 * SQLSTATE); other values (network errors, bugs) are returned unchanged.
 * Messages are scrubbed of `secrets`.
 */
export function toDbError(err: unknown, secrets: readonly string[] = []): unknown {
  if (typeof err !== 'object' || err === null) return err;
  const e = err as DriverError;
  if (typeof e.code !== 'string' || !/^[0-9A-Z]{5}$/.test(e.code)) return err;
  const message = scrub(typeof e.message === 'string' ? e.message : String(err), secrets);
  if (e.code.startsWith('23') || e.code === SQLSTATE_APPEND_ONLY || e.code === SQLSTATE_LIFECYCLE || e.code === SQLSTATE_REGISTRY_VERSION) {
    return new DbConstraintError(message, e.code, typeof e.constraint === 'string' ? e.constraint : undefined, typeof e.table === 'string' ? e.table : undefined);
  }
  return new DbQueryError(message, e.code);
}
