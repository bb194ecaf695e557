/**
 * Turns whatever an invoked actor rejected with into the run's recorded stop (pure; DESIGN §8).
 */
import { factsOf } from '../src/stops/factsOf.js';
import { isStopCode, stopCodeOf } from '../src/stops/stopCodeOf.js';
import type { StepName } from './steps.js';
import type { CutStop } from './types.js';

/** Longest message kept in the persisted context; longer ones are cut with an ellipsis. */
export const STOP_MESSAGE_MAX = 500;

/** True when `code` is a DESIGN §8 stop code (re-exported from src/stops/stopCodeOf.ts). */
export { isStopCode };

/**
 * Builds the {@link CutStop} for an actor that rejected with `err` while in `step`.
 *
 * - the code is `stopCodeOf(err)` (a StopError's code, a typed fact's code such as `KbSyncFailed` →
 *   `STOP_KB_UPLOAD`, a plain `{ code }`, else `STOP_INTERNAL` — a bug — with `detail.error_name`);
 * - the facts of `factsOf(err)` (runId, written, notWritten, next, otherRunId) become `detail`;
 *   the runbook is never stored: it follows from the code (`describeStop`).
 * - `at`: `err.at` when it is a string, else the `at` given by the caller (from the event), which
 *   may be `''`: the machine has no clock.
 *
 * Credentials in URLs (`scheme://user:pass@`) are masked and the message is cut to
 * {@link STOP_MESSAGE_MAX} characters, because the stop is persisted and reported.
 * Never throws.
 *
 * @example stopFromError(new StopError('STOP_DRIFT', 'region changed'), 'mark', '') // → { code: 'STOP_DRIFT', … }
 */
export function stopFromError(err: unknown, step: StepName, at: string): CutStop {
  try {
    return readStop(err, step, at);
  } catch {
    // A getter that throws (e.g. a revoked Proxy) must not turn a stop into a machine error.
    return { code: 'STOP_INTERNAL', message: 'an error that cannot be read', step, at, detail: { error_name: 'unreadable' } };
  }
}

function readStop(err: unknown, step: StepName, at: string): CutStop {
  const obj = typeof err === 'object' && err !== null ? (err as Record<string, unknown>) : null;
  const errAt = obj !== null && typeof obj['at'] === 'string' ? obj['at'] : at;
  const facts = factsOf(err);
  const message = clean(facts.message ?? describe(err));
  const code = stopCodeOf(err);
  const detail: Record<string, string | string[]> = {};
  if (facts.runId) detail['runId'] = clean(facts.runId);
  if (facts.written) detail['written'] = facts.written.map(clean);
  if (facts.notWritten) detail['notWritten'] = facts.notWritten.map(clean);
  if (facts.next) detail['next'] = clean(facts.next);
  if (facts.otherRunId) detail['otherRunId'] = facts.otherRunId;
  if (code === 'STOP_INTERNAL') detail['error_name'] = obj !== null && typeof obj['name'] === 'string' ? obj['name'] : typeof err;
  return Object.keys(detail).length === 0 ? { code, message, step, at: errAt } : { code, message, step, at: errAt, detail };
}

function describe(value: unknown): string {
  try {
    return String(value);
  } catch {
    // An object whose toString is broken must still produce a stop, not a second error.
    return Object.prototype.toString.call(value);
  }
}

function clean(text: string): string {
  // A driver error may echo a connection string; its credentials must never be persisted.
  const masked = text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi, '$1***@');
  return masked.length > STOP_MESSAGE_MAX ? `${masked.slice(0, STOP_MESSAGE_MAX - 1)}…` : masked;
}
