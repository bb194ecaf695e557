/**
 * The one mapping from anything thrown to its DESIGN §8 stop code (pure: `machines/` imports it).
 */
import { InputError, STOP_CODES, StopError, type StopCode } from '../errors.js';
import { FACT_CODES, StopFact } from './facts.js';

/** True when `code` is a DESIGN §8 stop code (src/errors.ts STOP_CODES). */
export function isStopCode(code: unknown): code is StopCode {
  return typeof code === 'string' && (STOP_CODES as readonly string[]).includes(code);
}

/** SQLSTATEs of a lost or refused connection (class 08) and of a server shutting down (57P01–57P03). */
const CONNECTION_SQLSTATE = /^(08[0-9A-Z]{3}|57P0[1-3])$/;

/**
 * The stop code of `error`:
 * - a {@link StopError} → its code; an {@link InputError} → `STOP_INPUT`;
 * - a fact (src/stops/facts.ts: `KbSyncFailed`/`UploadFailed` → `STOP_KB_UPLOAD`, `KbPathTaken` →
 *   `STOP_DRIFT`, `LockHeld` → `STOP_LOCKED`, `LegBAlreadyRecorded`/`VerifyAlreadyRecorded` →
 *   `STOP_REPLAY_CONFLICT`, `DbUnavailable` → `STOP_DB`), by `instanceof` or by its `name` brand;
 * - any object whose `code` is a stop code (a plain `{ code }`, a serialised stop) → that code;
 * - a driver error whose `code` is a connection SQLSTATE (08xxx, 57P01–57P03) → `STOP_DB`;
 * - anything else → `STOP_INTERNAL` (a bug, exit 1).
 * Never throws.
 *
 * @example stopCodeOf(new LockHeld({ … })) === 'STOP_LOCKED'; stopCodeOf({ code: 'STOP_DRIFT' }) === 'STOP_DRIFT'
 */
export function stopCodeOf(error: unknown): StopCode {
  try {
    if (error instanceof StopError || error instanceof StopFact) return error.code;
    if (error instanceof InputError) return 'STOP_INPUT';
    if (typeof error !== 'object' || error === null) return 'STOP_INTERNAL';
    const { code, name } = error as { code?: unknown; name?: unknown };
    if (isStopCode(code)) return code;
    if (name === 'InputError') return 'STOP_INPUT';
    if (typeof name === 'string' && Object.hasOwn(FACT_CODES, name)) return FACT_CODES[name] ?? 'STOP_INTERNAL';
    if (typeof code === 'string' && CONNECTION_SQLSTATE.test(code)) return 'STOP_DB';
    return 'STOP_INTERNAL';
  } catch {
    // A getter that throws (e.g. a revoked Proxy) is an internal error, not a second failure.
    return 'STOP_INTERNAL';
  }
}
