/**
 * What `orchestrate cut` and `orchestrate resume` share (DESIGN §5, §8): the outcome of a run for
 * the CLI and tests, and driving a run's machine under its run lock with the database open.
 */
import type { Config } from '../config/configSchema.js';
import { openDatabase } from '../db/openDatabase.js';
import { migrate } from '../db/migrate.js';
import type { Database } from '../db/Database.js';
import { EXIT, exitCodeFor, InputError, type StopCode } from '../errors.js';
import { openKb } from '../kb/openKb.js';
import type { KbStore } from '../kb/KbStore.js';
import { acquireRunLock } from '../sidecar/acquireRunLock.js';
import { loadRun } from '../registry/runRecord.js';
import { withFacts } from '../stops/withFacts.js';
import { holdRunSessionLock } from '../registry/runRegistry.js';
import { driveRun } from './driveRun.js';
import type { Progress } from './PhaseDeps.js';
import type { RunStop, RunView } from '../../machines/runView.js';
import type { CutActors } from '../../machines/phases.js';

/** The outcome of `cut` / `resume`, for the CLI (stdout JSON) and tests. */
export interface RunOutcome {
  run_id: string;
  document_id: string;
  state: RunView['state'] | 'replayed';
  /** DESIGN §8 code of the stop, null when done or replayed. */
  code: string | null;
  message: string;
  exitCode: number;
  kb_folder: string;
  replayed_from: string | null;
  keys: RunView['keys'];
  pins: RunView['pins'];
  /** For a stop: the step, and what the stopping step said was (not) written and what to run next. */
  stop: { step: string; written: string[] | null; not_written: string[] | null; next: string | null } | null;
}

/** Options shared by cut and resume. */
export interface RunOptions {
  config: Config;
  progress: Progress;
  clock?: () => Date;
  /**
   * Test only: actors that replace the runner's phase actors of the same name (STYLE: the machine
   * is swapped in tests with `machine.provide`), e.g. a `structural_verify` that rejects once so a
   * test run stops between leg A and leg B. Never set by the CLI.
   */
  actorOverrides?: Partial<CutActors>;
}

export async function openKbFor(config: Config): Promise<KbStore> {
  return openKb({ dir: config.kbDir, retry: { minTimeout: config.kbRetryMinMs } });
}

function list(v: string | string[] | undefined): string[] | null {
  return v === undefined ? null : Array.isArray(v) ? v : [v];
}

function stopOf(stop: RunStop | null): RunOutcome['stop'] {
  if (stop === null) return null;
  const d = stop.facts;
  const one = (v: string | string[] | undefined): string | null => (v === undefined ? null : Array.isArray(v) ? v.join('; ') : v);
  return { step: stop.step, written: list(d['written']), not_written: list(d['notWritten']), next: one(d['next']) };
}

/** The outcome of a view: done (exit 0), or its stop / gate wait with the exit status of DESIGN §8. */
export function outcomeOf(view: RunView, message?: string): RunOutcome {
  const stop = view.state === 'done' ? null : view.stop;
  const code = stop?.code ?? null;
  const exitCode = code === null ? EXIT.ok : exitCodeFor(code as StopCode);
  return {
    run_id: view.run_id,
    document_id: view.document_id,
    state: view.state,
    code,
    message: message ?? (stop === null ? `run ${view.run_id} is complete` : stop.detail),
    exitCode,
    kb_folder: view.kb_folder,
    replayed_from: null,
    keys: view.keys,
    pins: view.pins,
    stop: stopOf(stop),
  };
}

/**
 * Opens the configured database and applies pending migrations; the caller closes it.
 * @throws DbUnavailable (STOP_DB) when it cannot be opened; the migration's errors (the database is closed then)
 */
export async function openMigrated(config: Config): Promise<Database> {
  const db = await openDatabase(config);
  try {
    await migrate(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}

export async function withDatabase<T>(config: Config, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await openMigrated(config);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/**
 * Drives run `runId` under its two locks — this host's pid lock and the database session lock
 * (any host) — from the run registry's latest version (the local sidecar is rebuilt from it when
 * missing or older, DESIGN §9).
 * @returns the outcome; a complete run is returned as it is
 * @throws InputError for an unknown or voided run; LockHeld (`STOP_LOCKED`) when a live process
 *   anywhere drives it; DbUnavailable (`STOP_DB`)
 */
export async function drive(options: RunOptions, kb: KbStore, runId: string, openDb?: Database): Promise<RunOutcome> {
  const clock = options.clock ?? (() => new Date());
  // The pid lock comes first: a second process of this host is refused before it opens the database.
  const lock = await acquireRunLock(options.config.sidecarsDir, runId, clock());
  try {
    // A caller that already opened (and migrated) the database passes it: PGlite is opened once per command.
    return openDb === undefined ? await withDatabase(options.config, (db) => driveLocked(options, kb, runId, db, clock)) : await driveLocked(options, kb, runId, openDb, clock);
  } finally {
    await lock.release();
  }
}

async function driveLocked(options: RunOptions, kb: KbStore, runId: string, db: Database, clock: () => Date): Promise<RunOutcome> {
  const session = await holdRunSessionLock(db, runId);
  try {
    const run = await loadRun(db, options.config, runId);
    if (run.view.state === 'voided') throw new InputError(`run ${runId} was voided: it cannot be resumed`, { field: 'state' }, [], 'start a new cut of the document');
    if (run.view.state === 'done') return outcomeOf(run.view, `run ${runId} is already complete`);
    // The run moved here from another host (this host's copy was rebuilt): its documents are on the
    // remote, not yet here. A run this host wrote last has them; its steps sync as they upload.
    if (run.local === 'rebuilt' && kb.hasRemote) await withFacts(kb.sync(), { runId, written: [] });
    const r = await driveRun({ config: options.config, db, kb, sidecar: run.sidecar, version: run.version, progress: options.progress, clock, runLockLost: () => session.lost(), ...(options.actorOverrides === undefined ? {} : { actorOverrides: options.actorOverrides }) });
    return outcomeOf(r.view);
  } finally {
    await session.release();
  }
}
