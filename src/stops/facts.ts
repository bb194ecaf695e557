/**
 * Facts the low layers (KB, locks, database, ledger) report when they cannot do their job
 * (DESIGN §8). A fact says what happened, in the layer's own terms; it carries no runbook and no
 * "what to run next": {@link stopCodeOf} maps it to its stop code and `describeStop` words it for
 * the user. Pure: no I/O imports, so `machines/` can import it.
 *
 * Each fact has a `name` and a `code` brand (the DESIGN §8 code it stops with), so it is recognised
 * by `instanceof` and, once serialised or re-created by a test, by those fields alone.
 */
import type { StopCode } from '../errors.js';

/** Credentials in URLs (`scheme://user:password@`, `scheme://token@`): password or token masked. */
const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)([^/\s@:]+)(:[^/\s@]*)?@/gi;

/** Masks URL credentials in a message from git or a driver (keeps the user name of `user:pass@`). */
export function maskUrlCredentials(text: string): string {
  return text.replace(URL_USERINFO, (_m, scheme: string, user: string, pass: string | undefined) => (pass === undefined ? `${scheme}***@` : `${scheme}${user}:***@`));
}

/** The first `count` non-empty lines of a (git) message, joined with ` | `, credentials masked. */
function reasonOf(error: unknown, count = 6): string {
  const text = error instanceof Error ? error.message : String(error);
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return maskUrlCredentials(lines.slice(0, count).join(' | ') || 'unknown error');
}

/** Base class of the facts: an Error with a stop-code brand. */
export abstract class StopFact extends Error {
  /** The DESIGN §8 code this fact stops with. */
  abstract readonly code: StopCode;
}

/**
 * `KbStore.sync` (fetch + rebase onto `origin`) failed. `reason` is git's message, first lines,
 * credentials masked; the message is safe to print. The unchanged error is the `cause`.
 */
export class KbSyncFailed extends StopFact {
  override readonly name = 'KbSyncFailed' as const;
  readonly code = 'STOP_KB_UPLOAD' as const;
  readonly reason: string;
  constructor(error: unknown) {
    const reason = reasonOf(error);
    super(`cannot sync the KB with its remote: ${reason}`, { cause: error });
    this.reason = reason;
  }
}

/**
 * A KB upload (or update) gave up after its retries (DESIGN §3). `attempts` is how many ran (4 with
 * the default policy); `reason` the last attempt's message, credentials masked. The last error,
 * unchanged, is the `cause` (its own message may hold raw git output).
 */
export class UploadFailed extends StopFact {
  override readonly name = 'UploadFailed' as const;
  readonly code = 'STOP_KB_UPLOAD' as const;
  readonly reason: string;
  constructor(
    readonly path: string,
    readonly attempts: number,
    lastError: unknown,
  ) {
    const reason = reasonOf(lastError);
    super(`KB upload of ${path} failed after ${attempts} attempt(s): ${reason}`, { cause: lastError });
    this.reason = reason;
  }
}

/** Where the other bytes of a {@link KbPathTaken} were found. */
export type KbPathTakenWhere = 'local-commit' | 'remote' | 'history';

/**
 * A KB path is already committed (locally, on the remote, or anywhere in history) with other bytes
 * (DESIGN §3: nothing in a run folder is ever rewritten). Never retried; stops with `STOP_DRIFT`.
 * `sha256` is the hex of the refused bytes; `existingSha256` of the committed ones (undefined when
 * the path was committed and later removed).
 */
export class KbPathTaken extends StopFact {
  override readonly name = 'KbPathTaken' as const;
  readonly code = 'STOP_DRIFT' as const;
  constructor(
    readonly path: string,
    readonly where: KbPathTakenWhere,
    readonly sha256: string,
    readonly existingSha256: string | undefined,
  ) {
    super(
      `KB path ${path} is already taken (${where}) by different bytes` +
        (existingSha256 === undefined ? '' : ` sha256 ${existingSha256}`) +
        `; refusing to rewrite it with sha256 ${sha256}`,
    );
  }
}

/** Content of a pid lock file. `started_at` is ISO UTC; none of it is secret. */
export interface LockHolder {
  pid: number;
  host: string;
  started_at: string;
}

/**
 * Why a {@link LockHeld}: a live process on this host holds it (`live`), a process on another host
 * (`other-host`, never taken over), the lock file does not parse (`unreadable`), or contention did
 * not settle (`contended`).
 */
export type LockHeldWhy = 'live' | 'other-host' | 'unreadable' | 'contended';

/**
 * A pid lock (run lock, per-document cut lock, embedded database lock) is held by someone else.
 * `label` names what is locked (`run <id>`); `runId` is set for a run lock; `holder` is null when the
 * lock file could not be read.
 */
export class LockHeld extends StopFact {
  override readonly name = 'LockHeld' as const;
  readonly code = 'STOP_LOCKED' as const;
  readonly file: string;
  readonly label: string;
  readonly runId: string | undefined;
  readonly holder: LockHolder | null;
  readonly why: LockHeldWhy;
  constructor(lock: { file: string; label: string; runId?: string | undefined; holder: LockHolder | null; why: LockHeldWhy }) {
    const who = lock.holder === null ? '' : `pid ${lock.holder.pid} on host ${lock.holder.host} since ${lock.holder.started_at}`;
    const text: Record<LockHeldWhy, string> = {
      live: `${lock.label} is locked by ${who}`,
      'other-host': `${lock.label} is locked by ${who} (another host; never taken over automatically)`,
      unreadable: `${lock.label} has an unreadable lock file ${lock.file}`,
      contended: `${lock.label}: lock ${lock.file} is contended; gave up after several attempts${who === '' ? '' : ` (last held by ${who})`}`,
    };
    super(text[lock.why]);
    this.file = lock.file;
    this.label = lock.label;
    this.runId = lock.runId;
    this.holder = lock.holder;
    this.why = lock.why;
  }
}

/**
 * The change set already has a manifest envelope (leg B; DESIGN §5 layer 3 refusal): another run
 * (`existingRunId`, when it could be read) recorded it first. Stops with `STOP_REPLAY_CONFLICT`.
 */
export class LegBAlreadyRecorded extends StopFact {
  override readonly name = 'LegBAlreadyRecorded' as const;
  readonly code = 'STOP_REPLAY_CONFLICT' as const;
  constructor(readonly changeSetId: string, readonly existingId: string | undefined, readonly existingRunId: string | undefined) {
    super(`a manifest envelope is already recorded for change set ${changeSetId}${recordedBy(existingId, existingRunId)}`);
  }
}

/**
 * The change set already has a verify result (phase 9; DESIGN §5 layer 3 refusal), recorded by
 * `existingRunId` when it could be read. Stops with `STOP_REPLAY_CONFLICT`.
 */
export class VerifyAlreadyRecorded extends StopFact {
  override readonly name = 'VerifyAlreadyRecorded' as const;
  readonly code = 'STOP_REPLAY_CONFLICT' as const;
  constructor(readonly changeSetId: string, readonly existingId: string | undefined, readonly existingRunId: string | undefined) {
    super(`a verify result is already recorded for change set ${changeSetId}${recordedBy(existingId, existingRunId)}`);
  }
}

function recordedBy(id: string | undefined, runId: string | undefined): string {
  if (id === undefined && runId === undefined) return '';
  return ` (${[id === undefined ? null : `id ${id}`, runId === undefined ? null : `by run ${runId}`].filter((x) => x !== null).join(', ')})`;
}

/**
 * The database cannot be reached, refused the connection, or lost it mid-statement (DESIGN §8
 * `STOP_DB`). `target` is where it was looked for with every password replaced by `***` (a
 * redacted DSN, or the embedded data directory); `reason` the driver's message, already scrubbed
 * by the thrower. A failed transaction was rolled back.
 */
export class DbUnavailable extends StopFact {
  override readonly name = 'DbUnavailable' as const;
  readonly code = 'STOP_DB' as const;
  constructor(
    readonly engine: 'postgres' | 'pglite',
    readonly target: string,
    readonly reason: string,
    cause?: unknown,
  ) {
    super(
      engine === 'postgres' ? `cannot reach PostgreSQL at ${target}: ${maskUrlCredentials(reason)}` : `cannot open the embedded database at ${target}: ${maskUrlCredentials(reason)}`,
      cause === undefined ? undefined : { cause },
    );
  }
}

/** Every fact class's `name` and the code it stops with (the brand {@link stopCodeOf} reads). */
export const FACT_CODES: Readonly<Record<string, StopCode>> = Object.freeze({
  KbSyncFailed: 'STOP_KB_UPLOAD',
  UploadFailed: 'STOP_KB_UPLOAD',
  KbPathTaken: 'STOP_DRIFT',
  LockHeld: 'STOP_LOCKED',
  LegBAlreadyRecorded: 'STOP_REPLAY_CONFLICT',
  VerifyAlreadyRecorded: 'STOP_REPLAY_CONFLICT',
  DbUnavailable: 'STOP_DB',
});
