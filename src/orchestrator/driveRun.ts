/**
 * Runs (or resumes) one run's machine until it is done or stops, persisting the snapshot into
 * the sidecar after every transition (DESIGN §5, issue 5). The caller holds the run lock.
 */
import { createActor, waitFor, type SnapshotFrom } from 'xstate';
import type { Config } from '../config/configSchema.js';
import type { Database } from '../db/Database.js';
import { InputError } from '../errors.js';
import type { KbStore } from '../kb/KbStore.js';
import { loadKeyring, type TrustedKeyring } from '../approval/loadKeyring.js';
import type { RunContext } from '../sidecar/runContextSchema.js';
import { createCutMachine, STOPPED_TAG, type CutMachine } from '../../machines/cutMachine.js';
import { restoreCutActor } from '../../machines/cutSnapshot.js';
import { parseCutContext } from '../../machines/cutContextSchema.js';
import { stopSummary } from '../../machines/stopSummary.js';
import type { CutContext } from '../../machines/types.js';
import { createPhaseActors } from './createPhaseActors.js';
import type { Progress } from './PhaseDeps.js';
import { RunStore } from './RunStore.js';
import { sidecarFromSnapshot } from './sidecarFromSnapshot.js';

/** How the run ended in this process. */
export interface DriveResult {
  context: CutContext;
  sidecar: RunContext;
  /** DESIGN §8 code reported for the stop (stopSummary), null when done. */
  code: string | null;
}

/** What {@link driveRun} needs; `fresh` = a new run (else a resume of the sidecar's snapshot). */
export interface DriveInput {
  config: Config;
  db: Database;
  kb: KbStore;
  sidecar: RunContext;
  fresh: boolean;
  progress: Progress;
  clock: () => Date;
}

function createRunActor(machine: CutMachine, input: DriveInput) {
  const base = { run_id: input.sidecar.run_id, document_id: input.sidecar.document_id };
  if (input.fresh) return createActor(machine, { input: base });
  const restored = restoreCutActor(machine, input.sidecar.snapshot, { input: base });
  if (restored.ok) return restored.actor;
  // A snapshot this machine cannot restore (another version): rebuild from its context, which the
  // machine resumes at the first step not completed — persisted keys are kept, never recomputed.
  const snap = input.sidecar.snapshot as { context?: unknown } | null;
  const parsed = parseCutContext(snap?.context);
  if (!parsed.ok) {
    throw new InputError(`sidecar of run ${input.sidecar.run_id} holds a snapshot that cannot be restored (${restored.message}) and its context is invalid`, { field: 'snapshot.context' }, parsed.issues);
  }
  return createActor(machine, { input: { ...base, context: parsed.context } });
}

/**
 * Drives the machine to `done` or a stop. Sidecar writes are serialized by {@link RunStore}.
 * @throws the first sidecar write error, or an InputError for an unrestorable snapshot
 */
export async function driveRun(input: DriveInput): Promise<DriveResult> {
  const store = new RunStore(input.config.sidecarsDir, input.sidecar, input.clock);
  let keyring: Promise<TrustedKeyring> | undefined;
  const deps = {
    config: input.config,
    db: input.db,
    kb: input.kb,
    store,
    clock: input.clock,
    progress: input.progress,
    keyring: () => (keyring ??= loadKeyring(input.config.keyringDir, { kbRoot: input.config.kbDir })),
  };
  const machine = createCutMachine().provide({ actors: createPhaseActors(deps) });
  const actor = createRunActor(machine, input);
  let actorError: unknown;
  const persist = (snap: SnapshotFrom<CutMachine>): void => {
    const persisted = actor.getPersistedSnapshot();
    // The failpoint scope of the write is the step the machine is in (`cutplan/sidecar.write.after`).
    const scope = typeof snap.value === 'string' ? snap.value : Object.keys(snap.value)[0];
    // A sidecar that cannot be written must stop the run at once: nothing may advance unrecorded.
    // The error itself is rethrown by `store.flush()` below.
    store.update((ctx) => sidecarFromSnapshot(ctx, snap, persisted, input.clock()), scope).catch(() => actor.stop());
  };
  const sub = actor.subscribe({ next: persist, error: (err) => { actorError = err; } });
  actor.start();
  if (actor.getSnapshot().hasTag(STOPPED_TAG)) actor.send({ type: 'RESUME', at: input.clock().toISOString() });
  let final: SnapshotFrom<CutMachine>;
  try {
    final = await waitFor(actor, (s) => s.status !== 'active' || s.hasTag(STOPPED_TAG));
  } catch (err) {
    // The actor was stopped because a sidecar write failed: report that error, not the stop.
    await store.flush();
    throw err;
  } finally {
    sub.unsubscribe();
    actor.stop();
  }
  if (actorError !== undefined) throw actorError;
  // Every transition, the final one included, was queued by the subscription.
  await store.flush();
  const context = final.context;
  return { context, sidecar: store.current, code: final.status === 'done' ? null : stopSummary(context) };
}
