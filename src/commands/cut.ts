/**
 * `orchestrate cut` (DESIGN §4, §5, §8): the layer-1 replay check on the sidecars before any DB
 * connect, run creation under a per-document lock, then the run's machine driven to done or a stop.
 */
import path from 'node:path';
import { uuidv7 } from 'uuidv7';
import { InputError, StopError } from '../errors.js';
import { kbFolderTaken, runFolderPath } from '../kb/runFolder.js';
import { acquirePidLock } from '../sidecar/acquirePidLock.js';
import { findReplayRuns } from '../sidecar/findReplayRuns.js';
import { listSidecars } from '../sidecar/listSidecars.js';
import { newSidecar } from '../sidecar/newSidecar.js';
import type { Sidecar } from '../sidecar/runContextSchema.js';
import { writeSidecar } from '../sidecar/writeSidecar.js';
import { withFacts } from '../stops/withFacts.js';
import { checkReplay } from '../orchestrator/checkReplay.js';
import { liveDocument } from '../orchestrator/liveDocument.js';
import type { Database } from '../db/Database.js';
import { assertWorkspace, preflightCut } from '../orchestrator/preflight.js';
import { drive, openKbFor, openMigrated, outcomeOf, withDatabase, type RunOptions, type RunOutcome } from '../orchestrator/runOutcome.js';

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
  let sidecar: Sidecar;
  let db: Database | undefined;
  try {
    const listing = await listSidecars(config.sidecarsDir);
    if (listing.unreadable.length > 0) {
      throw new InputError(`unreadable sidecars in ${config.sidecarsDir}: the replay check cannot be trusted`, { file: listing.unreadable[0]?.file }, listing.unreadable.flatMap((u) => u.issues.map((i) => ({ path: `${u.file}: ${i.path}`, message: i.message }))), 'repair or move the file (orchestrate status lists runs), then run cut again');
    }
    const verdict = findReplayRuns(listing.runs, lawId, svid);
    if (verdict.kind === 'replay') {
      const done = verdict.run;
      await withDatabase(config, (replayDb) => checkReplay(replayDb, done, live.plan().length));
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
    await preflightCut(config, kb, live);
    // The database is part of the preflight: opened and migrated once, then kept for the run.
    db = await openMigrated(config);
    // Another host may have taken today's folder: see the remote's state before choosing.
    if (kb.hasRemote) {
      await withFacts(kb.sync(), { written: [] });
    }
    const runId = uuidv7();
    const now = clock();
    const folder = await runFolderPath({ lawId, sourceVersionId: svid, date: now, taken: kbFolderTaken(kb, runId) });
    sidecar = newSidecar({ run_id: runId, document_id: lawId, law_id: lawId, doc_prefix: live.doc.document.doc_prefix, source_version_id: svid, kb_folder: folder, actor: config.actor, now });
    await writeSidecar(config.sidecarsDir, sidecar, 'source_pin');
  } catch (error) {
    await db?.close();
    throw error;
  } finally {
    await docLock.release();
  }
  try {
    return await drive(options, kb, sidecar, db);
  } finally {
    await db.close();
  }
}
