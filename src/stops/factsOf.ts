/**
 * Reads the {@link StopFacts} out of anything thrown: a StopError's details, an InputError's place
 * and issues, a fact's fields, or a plain object of the same shape (pure; never throws).
 */
import type { InputLocation } from '../errors.js';
import type { StopFacts } from './describeStop.js';
import type { LockHeldWhy, LockHolder } from './facts.js';

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj | null {
  return typeof v === 'object' && v !== null ? (v as Obj) : null;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function list(v: unknown): string[] | undefined {
  if (typeof v === 'string') return [v];
  return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
}

function describe(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

function holderOf(v: unknown): LockHolder | null {
  const h = obj(v);
  if (h === null || typeof h['pid'] !== 'number' || typeof h['host'] !== 'string' || typeof h['started_at'] !== 'string') return null;
  return { pid: h['pid'], host: h['host'], started_at: h['started_at'] };
}

const LOCK_WHY: readonly string[] = ['live', 'other-host', 'unreadable', 'contended'];

/** What the path-carrying facts did not write. */
const NOT_WRITTEN_BY_NAME: Readonly<Record<string, (o: Obj) => string[] | undefined>> = {
  UploadFailed: (o) => list(o['path']),
  KbPathTaken: (o) => list(o['path']),
  LockHeld: () => ['sidecar', 'KB', 'database'],
};

/**
 * The facts `error` carries. Reads fields, not classes, so a fact re-created as a plain object reads
 * the same: `message`; `details.{runId, written, notWritten, next}` (a StopError) or the same fields
 * at the top level (also `run_id`, `not_written`); `step`; `where`/`issues` (an InputError);
 * `file`/`label`/`holder`/`why` (a `LockHeld`); `existingRunId` (an `…AlreadyRecorded`).
 */
export function factsOf(error: unknown): StopFacts {
  try {
    return read(error);
  } catch {
    return { message: 'an error that cannot be read' };
  }
}

function read(error: unknown): StopFacts {
  const o = obj(error);
  if (o === null) return { message: typeof error === 'string' ? error : describe(error) };
  const d = obj(o['details']) ?? {};
  const name = str(o['name']) ?? '';
  const facts: StopFacts = { message: str(o['message']) ?? describe(error) };
  const runId = str(d['runId']) ?? str(o['runId']) ?? str(o['run_id']);
  if (runId !== undefined) facts.runId = runId;
  const step = str(o['step']);
  if (step !== undefined) facts.step = step;
  const written = list(d['written']) ?? list(o['written']) ?? (name === 'LockHeld' ? [] : undefined);
  if (written !== undefined) facts.written = written;
  const notWritten = list(d['notWritten']) ?? list(o['notWritten']) ?? list(o['not_written']) ?? NOT_WRITTEN_BY_NAME[name]?.(o);
  if (notWritten !== undefined) facts.notWritten = notWritten;
  const next = str(d['next']) ?? str(o['next']);
  if (next !== undefined) facts.next = next;
  const file = str(o['file']);
  const why = str(o['why']);
  if (file !== undefined && why !== undefined && LOCK_WHY.includes(why)) {
    facts.lock = { file, label: str(o['label']) ?? file, holder: holderOf(o['holder']), why: why as LockHeldWhy };
  }
  const other = str(o['existingRunId']) ?? str(o['otherRunId']);
  if (other !== undefined) facts.otherRunId = other;
  const where = obj(o['where']);
  if (where !== null) facts.where = where as InputLocation;
  const issues = o['issues'];
  if (Array.isArray(issues)) {
    facts.issues = issues.flatMap((i) => {
      const x = obj(i);
      return x !== null && typeof x['path'] === 'string' && typeof x['message'] === 'string' ? [{ path: x['path'], message: x['message'] }] : [];
    });
  }
  return facts;
}
