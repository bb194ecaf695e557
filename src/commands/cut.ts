/**
 * `orchestrate cut` (DESIGN §4, §5, §8, §9): the layer-1 replay check on this host's sidecars
 * before any DB connect, then on the run registry together with the run's registration under a
 * per-document database lock (every host), then the run's machine driven to done or a stop.
 */
import path from 'node:path';
import { uuidv7 } from 'uuidv7';
import { InputError, StopError } from '../errors.js';
import { kbFolderTaken, runFolderPath } from '../kb/runFolder.js';
import { acquirePidLock } from '../sidecar/acquirePidLock.js';
import { findReplayRuns } from '../sidecar/findReplayRuns.js';
import { listSidecars } from '../sidecar/listSidecars.js';
import { newSidecar } from '../sidecar/newSidecar.js';
import { serializeSidecar, writeSidecarText } from '../sidecar/writeSidecar.js';
import { folderClaimed, registerRun, runsOfDocument } from '../registry/runRegistry.js';
import type { RunView } from '../../machines/runView.js';
import { failpoint } from '../failpoints/failpoint.js';
import { withFacts } from '../stops/withFacts.js';
import { checkReplay } from '../orchestrator/checkReplay.js';
import { liveDocument } from '../orchestrator/liveDocument.js';
import type { Database } from '../db/Database.js';
import { assertWorkspace, preflightCut } from '../orchestrator/preflight.js';
import { drive, openKbFor, openMigrated, outcomeOf, type RunOptions, type RunOutcome } from '../orchestrator/runOutcome.js';

export type { RunOptions, RunOutcome } from '../orchestrator/runOutcome.js';

/**
 * `orchestrate cut --document-id X`: a new run of the document's current source version, or an
 * idempotent replay of a complete one (`replayed_from`), or `STOP_REPLAY_CONFLICT` when an
 * unfinished, non-voided run exists (resume it instead).
 *
 * Before a run is created, the preflight checks everything it will need (the KB made by `init` with
 * the document committed, the vocabulary, backup recipients, keyring, and the database opened and
 * migrated once for the whole command): a failure creates nothing.
 *
 * @throws InputError for an unknown document, unreadable sidecars or a failed preflight (STOP_INPUT,
 *   every problem listed); StopError for stops before the machine starts (STOP_REPLAY_CONFLICT,
 *   STOP_LOCKED, STOP_DB)
 */
export async function cut(options: RunOptions & { documentId: string }): Promise<RunOutcome> {
  const { config } = options;
  const clock = options.clock ?? (() => new Date());
  assertWorkspace(config, { sidecars: true });
  const kb = await openKbFor(config);
  const live = liveDocument(config.kbDir, options.documentId);
  const svid = live.doc.sourceVersionId;
  const lawId = live.doc.document.law_id;
  // Serializes the replay check and run creation of one document on this host; a second `cut`
  // waits briefly, then sees the first run's sidecar (STOP_REPLAY_CONFLICT) without opening the DB.
  const docLock = await acquirePidLock(path.join(config.sidecarsDir, `${lawId}.cut.lock`), { label: `starting a cut of ${lawId}` }, { waitMs: 10_000 });
  let runId: string;
  let db: Database | undefined;
  try {
    const listing = await listSidecars(config.sidecarsDir);
    if (listing.unreadable.length > 0) {
      throw new InputError(`unreadable sidecars in ${config.sidecarsDir}: the replay check cannot be trusted`, { file: listing.unreadable[0]?.file }, listing.unreadable.flatMap((u) => u.issues.map((i) => ({ path: `${u.file}: ${i.path}`, message: i.message }))), 'repair or move the file (orchestrate status lists runs), then run cut again');
    }
    // This host's sidecars first: a local conflict is refused without opening the database.
    const local = findReplayRuns(listing.runs, lawId, svid);
    if (local.kind === 'conflict') throw replayConflict(lawId, svid, local.runs);
    // A replay writes nothing: it needs no preflight.
    if (local.kind === 'fresh') await preflightCut(config, kb, live);
    // The database is part of the preflight: opened and migrated once, then kept for the run.
    db = await openMigrated(config);
    // Another host may have taken today's folder: see the remote's state before choosing.
    if (kb.hasRemote) {
      await withFacts(kb.sync(), { written: [] });
    }
    const opened = db;
    // Registering the run is its first sidecar write (DESIGN §10 points around it).
    failpoint('sidecar.write.before', 'source_pin');
    // Layer 1 across hosts (DESIGN §9): the registry is read and the run registered under one
    // transaction-scoped lock per document, so exactly one run per (document, source version) starts.
    const start = await opened.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`orchestrator.cut:${lawId}`]);
      const registered = (await runsOfDocument(tx, lawId, svid)).map((r) => r.view);
      const known = new Set(registered.map((r) => r.run_id));
      const verdict = findReplayRuns([...registered, ...listing.runs.filter((r) => !known.has(r.run_id))], lawId, svid);
      if (verdict.kind !== 'fresh') return verdict;
      const runId = uuidv7();
      const now = clock();
      const inKb = kbFolderTaken(kb, runId);
      const folder = await runFolderPath({ lawId, sourceVersionId: svid, date: now, taken: async (f) => (await folderClaimed(tx, f, runId)) || (await inKb(f)) });
      const fresh = newSidecar({ run_id: runId, document_id: lawId, law_id: lawId, doc_prefix: live.doc.document.doc_prefix, source_version_id: svid, kb_folder: folder, actor: config.actor, now });
      const text = serializeSidecar(config.sidecarsDir, fresh);
      await registerRun(tx, fresh, text);
      return { kind: 'started' as const, runId, text };
    }, { role: config.writerRole, failpoints: false });
    if (start.kind === 'conflict') throw replayConflict(lawId, svid, start.runs);
    if (start.kind === 'replay') {
      const done = start.run;
      await checkReplay(opened, done, live.plan().length);
      await opened.close();
      return { ...outcomeOf(done, `source version ${svid.slice(0, 16)} of ${lawId} was already cut by run ${done.run_id}: nothing written`), state: 'replayed', replayed_from: done.run_id };
    }
    await writeSidecarText(config.sidecarsDir, start.runId, start.text, 'source_pin', { before: false });
    runId = start.runId;
  } catch (error) {
    await db?.close();
    throw error;
  } finally {
    await docLock.release();
  }
  try {
    return await drive(options, kb, runId, db);
  } finally {
    await db.close();
  }
}

function replayConflict(lawId: string, svid: string, runs: readonly RunView[]): StopError {
  const ids = runs.map((r) => `${r.run_id} (${r.state})`).join(', ');
  return new StopError('STOP_REPLAY_CONFLICT', `a non-voided run of ${lawId} at source version ${svid.slice(0, 16)} exists: ${ids}`, {
    runId: runs[0]?.run_id,
    written: [],
    next: `orchestrate resume --run-id ${runs[0]?.run_id ?? ''} (or void it)`,
  });
}
