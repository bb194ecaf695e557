/**
 * Turns whatever an invoked actor rejected with into the run's recorded stop (pure; DESIGN §8).
 */
import { STOP_CODES } from '../src/errors.js';
import type { StopCode } from '../src/errors.js';
import type { StepName } from './steps.js';
import type { CutStop } from './types.js';

/** Longest message kept in the persisted context; longer ones are cut with an ellipsis. */
export const STOP_MESSAGE_MAX = 500;

/** The string or string-list fields of a StopError's `details` that are kept as `stop.detail`. */
const DETAIL_FIELDS = ['runId', 'written', 'notWritten', 'runbook', 'next'] as const;

/** True when `code` is a DESIGN §8 stop code (src/errors.ts STOP_CODES). */
export function isStopCode(code: unknown): code is StopCode {
  return typeof code === 'string' && (STOP_CODES as readonly string[]).includes(code);
}

/**
 * Builds the {@link CutStop} for an actor that rejected with `err` while in `step`.
 *
 * - `err` is an object whose `code` is a StopCode (a `StopError`, or a plain `{ code }`):
 *   that code and its `message` are kept, and the JSON-safe fields of `err.details`
 *   (runId, written, notWritten, runbook, next) become `detail`.
 * - anything else: `STOP_INTERNAL` (an unexpected error, a bug) with the error's message and
 *   `detail.error_name`.
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
  const rawMessage = obj !== null && typeof obj['message'] === 'string' ? obj['message'] : typeof err === 'string' ? err : describe(err);
  const message = clean(rawMessage);
  const code = obj?.['code'];
  if (isStopCode(code)) {
    const detail = pickDetail(obj?.['details']);
    return detail === undefined ? { code, message, step, at: errAt } : { code, message, step, at: errAt, detail };
  }
  const name = obj !== null && typeof obj['name'] === 'string' ? obj['name'] : typeof err;
  return { code: 'STOP_INTERNAL', message, step, at: errAt, detail: { error_name: name } };
}

function describe(value: unknown): string {
  try {
    return String(value);
  } catch {
    // An object whose toString is broken must still produce a stop, not a second error.
    return Object.prototype.toString.call(value);
  }
}

function pickDetail(details: unknown): Record<string, string | string[]> | undefined {
  if (typeof details !== 'object' || details === null) return undefined;
  const src = details as Record<string, unknown>;
  const out: Record<string, string | string[]> = {};
  for (const field of DETAIL_FIELDS) {
    const v = src[field];
    if (typeof v === 'string') out[field] = clean(v);
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) out[field] = v.map(clean);
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

function clean(text: string): string {
  // A driver error may echo a connection string; its credentials must never be persisted.
  const masked = text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi, '$1***@');
  return masked.length > STOP_MESSAGE_MAX ? `${masked.slice(0, STOP_MESSAGE_MAX - 1)}…` : masked;
}
