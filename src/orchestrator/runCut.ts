/**
 * `orchestrate cut` and `orchestrate resume` (DESIGN §4, §5, §8): the layer-1 replay check on the
 * sidecars before any DB connect, run creation under a per-document lock, the run lock, then the
 * machine driven to done or a stop.
 */
import path from 'node:path';
import { uuidv7 } from 'uuidv7';
import type { Config } from '../config/configSchema.js';
import { openDatabase } from '../db/openDatabase.js';
import { migrate } from '../db/migrate.js';
import type { Database } from '../db/Database.js';
import { EXIT, InputError, StopError, exitCodeFor, type StopCode } from '../errors.js';
import { openKb } from '../kb/openKb.js';
import type { KbStore } from '../kb/KbStore.js';
import { kbFolderTaken, runFolderPath } from '../kb/runFolder.js';
import { acquireRunLock } from '../sidecar/acquireRunLock.js';
import { acquirePidLock } from '../sidecar/acquirePidLock.js';
import { findReplayRuns } from '../sidecar/findReplayRuns.js';
import { listSidecars } from '../sidecar/listSidecars.js';
import { newSidecar } from '../sidecar/newSidecar.js';
import { readSidecar } from '../sidecar/readSidecar.js';
import type { Sidecar } from '../sidecar/runContextSchema.js';
import { writeSidecar } from '../sidecar/writeSidecar.js';
import { withFacts } from '../stops/withFacts.js';
import { driveRun } from './driveRun.js';
import { liveDocument } from './liveDocument.js';
import type { Progress } from './PhaseDeps.js';
import { checkReplay } from './checkReplay.js';
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

async function openKbFor(config: Config): Promise<KbStore> {
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
function outcomeOf(view: RunView, message?: string): RunOutcome {
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

async function withDatabase<T>(config: Config, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase(config);
  try {
    await migrate(db);
    return await fn(db);
  } finally {
    await db.close();
  }
}

async function drive(options: RunOptions, kb: KbStore, sidecar: Sidecar): Promise<RunOutcome> {
  const clock = options.clock ?? (() => new Date());
  const lock = await acquireRunLock(options.config.sidecarsDir, sidecar.run_id, clock());
  try {
    return await withDatabase(options.config, async (db) => {
      const r = await driveRun({ config: options.config, db, kb, sidecar, progress: options.progress, clock, ...(options.actorOverrides === undefined ? {} : { actorOverrides: options.actorOverrides }) });
      return outcomeOf(r.view);
    });
  } finally {
    await lock.release();
  }
}

/**
 * `orchestrate cut --document-id X`: a new run of the document's current source version, or an
 * idempotent replay of a complete one (`replayed_from`), or `STOP_REPLAY_CONFLICT` when an
 * unfinished, non-voided run exists (resume it instead).
 *
 * @throws InputError for an unknown document or unreadable sidecars; StopError for stops before
 *   the machine starts (STOP_REPLAY_CONFLICT, STOP_LOCKED, STOP_DB)
 */
export async function cut(options: RunOptions & { documentId: string }): Promise<RunOutcome> {
  const { config } = options;
  const clock = options.clock ?? (() => new Date());
  const kb = await openKbFor(config);
  const live = liveDocument(config.kbDir, options.documentId);
  const svid = live.doc.sourceVersionId;
  const lawId = live.doc.document.law_id;
  // Serializes the replay check and run creation of one document on this host; a second `cut`
  // waits briefly, then sees the first run's sidecar (STOP_REPLAY_CONFLICT).
  const docLock = await acquirePidLock(path.join(config.sidecarsDir, `${lawId}.cut.lock`), { label: `starting a cut of ${lawId}` }, { waitMs: 10_000 });
  const release = async (): Promise<void> => {
    await docLock.release();
  };
  let sidecar: Sidecar;
  try {
    const listing = await listSidecars(config.sidecarsDir);
    if (listing.unreadable.length > 0) {
      throw new InputError(`unreadable sidecars in ${config.sidecarsDir}: the replay check cannot be trusted`, { file: listing.unreadable[0]?.file }, listing.unreadable.flatMap((u) => u.issues.map((i) => ({ path: `${u.file}: ${i.path}`, message: i.message }))), 'repair or move the file (orchestrate status lists runs), then run cut again');
    }
    const verdict = findReplayRuns(listing.runs, lawId, svid);
    if (verdict.kind === 'replay') {
      const done = verdict.run;
      await withDatabase(config, (db) => checkReplay(db, done, live.plan().length));
      return { ...outcomeOf(done, `source version ${svid.slice(0, 16)} of ${lawId} was already cut by run ${done.run_id}: nothing written`), state: 'replayed', replayed_from: done.run_id };
    }
    if (verdict.kind === 'conflict') {
      const ids = verdict.runs.map((r) => `${r.run_id} (${r.state})`).join(', ');
      throw new StopError('STOP_REPLAY_CONFLICT', `a non-voided run of ${lawId} at source version ${svid.slice(0, 16)} exists: ${ids}`, {
        runId: verdict.runs[0]?.run_id,
        written: [],
        next: `orchestrate resume --run-id ${verdict.runs[0]?.run_id ?? ''} (or void it)`,
      });
    }
    // Another host may have taken today's folder: see the remote's state before choosing.
    if (kb.hasRemote) {
      await withFacts(kb.sync(), { written: [] });
    }
    const runId = uuidv7();
    const now = clock();
    const folder = await runFolderPath({ lawId, sourceVersionId: svid, date: now, taken: kbFolderTaken(kb, runId) });
    sidecar = newSidecar({ run_id: runId, document_id: lawId, law_id: lawId, doc_prefix: live.doc.document.doc_prefix, source_version_id: svid, kb_folder: folder, actor: config.actor, now });
    await writeSidecar(config.sidecarsDir, sidecar, 'source_pin');
  } finally {
    await release();
  }
  return drive(options, kb, sidecar);
}

/**
 * `orchestrate resume --run-id R`: re-validates the persisted keys (the sidecar's key chain) and
 * continues from the snapshot; a stopped step is re-entered at its internal gate.
 * @throws InputError for an unknown, voided or invalid run; StopError STOP_LOCKED when it is running
 */
export async function resume(options: RunOptions & { runId: string }): Promise<RunOutcome> {
  const { sidecar, view } = await readSidecar(options.config.sidecarsDir, options.runId);
  if (view.state === 'voided') throw new InputError(`run ${options.runId} was voided: it cannot be resumed`, { field: 'state' }, [], 'start a new cut of the document');
  if (view.state === 'done') return outcomeOf(view, `run ${options.runId} is already complete`);
  const kb = await openKbFor(options.config);
  return drive(options, kb, sidecar);
}
