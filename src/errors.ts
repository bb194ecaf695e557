/**
 * Error classes and exit codes of the orchestrator (DESIGN §8).
 *
 * Few classes, named for the situation. A place that decides a stop throws {@link StopError}; bad
 * input is {@link InputError}; low layers (KB, locks, database, ledger) throw the plain facts of
 * src/stops/facts.ts. `stopCodeOf` (src/stops/stopCodeOf.ts) maps any of them to its code, and
 * only the CLI's one renderer (src/stops/stopReport.ts) turns them into an exit status and a
 * message that says what to run next.
 */

/**
 * Every stop code of DESIGN §8, the two gate pauses and bad input, plus `STOP_INTERNAL`: an
 * unexpected error (a bug), exit 1 — recorded like a stop so the run stays resumable.
 */
export const STOP_CODES = [
  'AWAITING_SG1',
  'AWAITING_SG2',
  'STOP_REPLAY_CONFLICT',
  'STOP_LOCKED',
  'STOP_KB_UPLOAD',
  'STOP_DRIFT',
  'STOP_GRANT_PROBE',
  'STOP_APPROVAL_INVALID',
  'STOP_SG_DENIED',
  'STOP_BETWEEN_LEG_A_AND_LEG_B',
  'STOP_STRUCTURAL_VERIFY',
  'STOP_WRITE_VERIFY',
  'STOP_DB',
  'STOP_INPUT',
  'STOP_INTERNAL',
] as const;

export type StopCode = (typeof STOP_CODES)[number];

/** Process exit status (DESIGN §8): 0 done, 10 paused at a gate, 20 stopped, 2 bad usage/input. */
export const EXIT = { ok: 0, input: 2, gate: 10, stopped: 20, internal: 1 } as const;

/** Maps a stop code to its exit status (DESIGN §8). */
export function exitCodeFor(code: StopCode): number {
  if (code === 'AWAITING_SG1' || code === 'AWAITING_SG2') return EXIT.gate;
  if (code === 'STOP_INPUT') return EXIT.input;
  if (code === 'STOP_INTERNAL') return EXIT.internal;
  return EXIT.stopped;
}

/** Where a piece of bad input sits: file, 1-based line, byte offset, field path. All optional. */
export interface InputLocation {
  file?: string;
  line?: number;
  offset?: number;
  field?: string;
}

/**
 * A run stopped (or paused) with a DESIGN §8 code, thrown where a stop is really decided.
 *
 * `written` / `notWritten` say what reached durable storage; `next` overrides the code's default
 * next step (src/stops/describeStop.ts). `runbook` is ignored: the runbook section is always
 * `runbookFor(code)`; it stays in the type only until the callers that still pass it are cleaned
 * up. The message must never contain a secret (the renderer masks credentials anyway).
 */
export class StopError extends Error {
  override readonly name = 'StopError';
  /** ISO time the stop happened (a gate wait keeps the time it started waiting). */
  readonly at: string | undefined;
  constructor(
    readonly code: StopCode,
    message: string,
    readonly details: {
      runId?: string;
      written?: string[];
      notWritten?: string[];
      /** @deprecated ignored: the runbook is `runbookFor(code)` (src/stops/describeStop.ts). */
      runbook?: string;
      next?: string;
      cause?: unknown;
      at?: string;
    } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.at = details.at;
  }

  /** Exit status for this stop (DESIGN §8). */
  get exitCode(): number {
    return exitCodeFor(this.code);
  }
}

/**
 * Bad usage or bad input (`STOP_INPUT`, exit 2): a user mistake, reported without a stack trace.
 * `issues` lists every problem found as `{ path, message }` (validation returns errors as data).
 */
export class InputError extends Error {
  override readonly name = 'InputError';
  readonly code = 'STOP_INPUT' as const;
  constructor(
    message: string,
    readonly where: InputLocation = {},
    readonly issues: { path: string; message: string }[] = [],
    readonly next?: string,
  ) {
    super(message);
  }
}

/** Formats an {@link InputLocation} as `file:line (offset N, field F)` for messages. */
export function formatLocation(where: InputLocation): string {
  const parts: string[] = [];
  if (where.file !== undefined) parts.push(where.line === undefined ? where.file : `${where.file}:${where.line}`);
  else if (where.line !== undefined) parts.push(`line ${where.line}`);
  if (where.offset !== undefined) parts.push(`offset ${where.offset}`);
  if (where.field !== undefined) parts.push(`field ${where.field}`);
  return parts.join(', ');
}
