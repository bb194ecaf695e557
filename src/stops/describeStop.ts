/**
 * The words of a stop (DESIGN §8): its message, what was and was not written, the runbook section
 * that resolves it and what to run next. One function for every code, so the runbook anchor and the
 * default next step are written once (pure).
 */
import type { InputLocation, StopCode } from '../errors.js';
import type { LockHeldWhy, LockHolder } from './facts.js';

/**
 * What is known about a stop, from the thrower (a fact, a StopError) or a machine stop. Every field
 * is optional; `null` and `undefined` both mean "not known".
 */
export interface StopFacts {
  /** What happened (the thrower's message). */
  message?: string | null;
  runId?: string | null;
  /** The machine step that stopped. */
  step?: string | null;
  /** What reached durable storage (`[]`: nothing). */
  written?: readonly string[] | null;
  notWritten?: readonly string[] | null;
  /** The thrower's own next step; overrides the code's default. */
  next?: string | null;
  /** STOP_LOCKED: the lock and who holds it. */
  lock?: { file: string; label: string; holder: LockHolder | null; why: LockHeldWhy } | null;
  /** STOP_REPLAY_CONFLICT: the other run, when known. */
  otherRunId?: string | null;
  /** STOP_INPUT: where the bad input sits, and every problem found. */
  where?: InputLocation | null;
  issues?: readonly { path: string; message: string }[] | null;
}

/** A stop in words. `runbook` is always an anchor of `runbooks/README.md`; `next` always set. */
export interface StopDescription {
  message: string;
  written: string[] | null;
  not_written: string[] | null;
  runbook: string;
  next: string;
}

/**
 * The section of `runbooks/README.md` that resolves `code` (GitHub heading anchors: `## STOP_DB` →
 * `#stop_db`; the two gate pauses share `## AWAITING_SG1 / AWAITING_SG2`).
 *
 * @example runbookFor('STOP_LOCKED') === 'runbooks/README.md#stop_locked'
 */
export function runbookFor(code: StopCode): string {
  if (code === 'AWAITING_SG1' || code === 'AWAITING_SG2') return 'runbooks/README.md#awaiting_sg1--awaiting_sg2';
  return `runbooks/README.md#${code.toLowerCase()}`;
}

/** What each code says when the thrower said nothing. */
const DEFAULT_MESSAGE: Record<StopCode, string> = {
  AWAITING_SG1: "waiting for a sovereign's signed SG1 approval",
  AWAITING_SG2: "waiting for a sovereign's signed SG2 approval",
  STOP_REPLAY_CONFLICT: 'another run already holds this document, source version or change set',
  STOP_LOCKED: 'another process holds the lock',
  STOP_KB_UPLOAD: 'the KB could not be synced, committed or pushed',
  STOP_DRIFT: 'a pinned digest no longer matches live state',
  STOP_GRANT_PROBE: 'the writer role does not hold exactly the privileges the writes need',
  STOP_APPROVAL_INVALID: 'every approval of the gate was refused',
  STOP_SG_DENIED: 'a sovereign denied the gate',
  STOP_BETWEEN_LEG_A_AND_LEG_B: 'leg A was committed, leg B was not',
  STOP_STRUCTURAL_VERIFY: 'the IUs read back do not match the plan',
  STOP_WRITE_VERIFY: 'the digest re-derived from the DB rows differs from the pinned one',
  STOP_DB: 'the database could not be reached',
  STOP_INPUT: 'bad usage or bad input',
  STOP_INTERNAL: 'an unexpected error (a bug)',
};

/** The next command of `code` when the thrower gave none. */
function defaultNext(code: StopCode, f: StopFacts): string {
  const run = f.runId ?? null;
  const resume = run === null ? 'run the command again' : `orchestrate resume --run-id ${run}`;
  const voidRun = `orchestrate void --run-id ${run ?? '<run_id>'} --key FILE --reason TEXT`;
  switch (code) {
    case 'AWAITING_SG1':
    case 'AWAITING_SG2': {
      const gate = code.slice(-3);
      return `a sovereign runs orchestrate approve --run-id ${run ?? '<run_id>'} --gate ${gate} --key FILE; then orchestrate resume --run-id ${run ?? '<run_id>'}`;
    }
    case 'STOP_LOCKED':
      return lockedNext(f);
    case 'STOP_KB_UPLOAD':
      return `fix the KB remote (or remove the secret the scanner named), then ${resume}`;
    case 'STOP_DRIFT':
      return run === null
        ? 'find what changed and restore it, then run the command again'
        : `find what changed (orchestrate verify --run-id ${run} names each mismatch); restore it and ${resume}, or void the run (${voidRun}) and cut again`;
    case 'STOP_REPLAY_CONFLICT': {
      const other = f.otherRunId ?? null;
      return other === null
        ? 'resume the other run of this document (orchestrate status lists runs) or void it'
        : `orchestrate resume --run-id ${other}, or void that run: orchestrate void --run-id ${other} --key FILE --reason TEXT`;
    }
    case 'STOP_GRANT_PROBE':
      return `fix the writer role's grants (sql/deploy/006_writer_role.sql), then ${resume}`;
    case 'STOP_APPROVAL_INVALID':
      return `orchestrate status --run-id ${run ?? '<run_id>'} lists each refused approval and why; a sovereign signs a valid one (orchestrate approve …), then ${resume}`;
    case 'STOP_SG_DENIED':
      return `a sovereign closes the run: ${voidRun}`;
    case 'STOP_BETWEEN_LEG_A_AND_LEG_B':
      return `${resume} completes leg B; or a sovereign voids the change set: ${voidRun}`;
    case 'STOP_STRUCTURAL_VERIFY':
    case 'STOP_WRITE_VERIFY':
      return `investigate (orchestrate verify --run-id ${run ?? '<run_id>'}), then a sovereign voids the change set: ${voidRun}`;
    case 'STOP_DB':
      return `check that the database server is up and DATABASE_URL is right, then ${resume}`;
    case 'STOP_INPUT':
      return 'fix the input and run the command again';
    case 'STOP_INTERNAL':
      return run === null ? 'report it (a bug) with this text' : `report it (a bug) with this text; once fixed, orchestrate resume --run-id ${run}`;
  }
}

function lockedNext(f: StopFacts): string {
  const lock = f.lock ?? null;
  const status = f.runId === undefined || f.runId === null ? '' : ` (orchestrate status --run-id ${f.runId})`;
  if (lock === null) return `wait for the other process to finish${status}, then try again`;
  const h = lock.holder;
  if (h === null || lock.why === 'unreadable') return `check that no orchestrator process holds ${lock.label}, then remove the lock file ${lock.file}`;
  if (lock.why === 'other-host') return `check pid ${h.pid} on host ${h.host}; remove ${lock.file} only when it is certainly stopped`;
  return `wait for pid ${h.pid} on host ${h.host} (running since ${h.started_at}) to finish${status}, or stop it, then try again; if that pid is dead, ${lock.file} is taken over automatically (remove it by hand only after checking)`;
}

/**
 * Words the stop `code` from `facts`: the thrower's message and next step when it gave them, else
 * the code's defaults; the runbook anchor always from {@link runbookFor}. Lists are copied.
 *
 * @example describeStop('STOP_KB_UPLOAD', { runId: 'R' }).next === 'fix the KB remote (…), then orchestrate resume --run-id R'
 */
export function describeStop(code: StopCode, facts: StopFacts = {}): StopDescription {
  const message = facts.message === undefined || facts.message === null || facts.message.trim() === '' ? DEFAULT_MESSAGE[code] : facts.message;
  const next = facts.next === undefined || facts.next === null || facts.next.trim() === '' ? defaultNext(code, facts) : facts.next;
  return {
    message,
    written: facts.written === undefined || facts.written === null ? null : [...facts.written],
    not_written: facts.notWritten === undefined || facts.notWritten === null ? null : [...facts.notWritten],
    runbook: runbookFor(code),
    next,
  };
}
