/**
 * Runs (or resumes) one run's machine until it is done or stops, persisting the snapshot into
 * the sidecar after every transition (DESIGN §5). The caller holds the run lock.
 */
import { createActor, waitFor, type SnapshotFrom } from 'xstate';
import type { Config } from '../config/configSchema.js';
import type { Database } from '../db/Database.js';
import { InputError } from '../errors.js';
import type { KbStore } from '../kb/KbStore.js';
import { loadKeyring, type TrustedKeyring } from '../approval/loadKeyring.js';
import type { Sidecar } from '../sidecar/runContextSchema.js';
import { AWAITING_TAG, createCutMachine, STOPPED_TAG, type CutMachine } from '../../machines/cutMachine.js';
import { restoreCutActor } from '../../machines/cutSnapshot.js';
import { parseCutContext } from '../../machines/cutContextSchema.js';
import { runView, type RunView } from '../../machines/runView.js';
import type { CutActors } from '../../machines/phases.js';
import { createPhaseActors } from './createPhaseActors.js';
import type { Progress } from './PhaseDeps.js';
import { RunStore } from './RunStore.js';

/** How the run ended in this process: its sidecar and the view of it. */
export interface DriveResult {
  sidecar: Sidecar;
  view: RunView;
}

/** What {@link driveRun} needs: the run's sidecar (a new run's has no snapshot yet). */
export interface DriveInput {
  config: Config;
  db: Database;
  kb: KbStore;
  sidecar: Sidecar;
  /** The run registry version `sidecar` is (DESIGN §9). */
  version: number;
  progress: Progress;
  clock: () => Date;
  /** Test only: actors replacing the phase actors of the same name (see RunOptions.actorOverrides). */
  actorOverrides?: Partial<CutActors>;
  /** Why the run's database session lock was lost, if it was (see {@link PhaseDeps.runLockLost}). */
  runLockLost?: () => string | undefined;
}

function createRunActor(machine: CutMachine, input: DriveInput) {
  const base = { run_id: input.sidecar.run_id, document_id: input.sidecar.document_id };
  // No snapshot: the run was created but the machine never moved (or it was killed before the
  // first write): it starts at source_pin, whose effects are adopted when they exist.
  if (input.sidecar.snapshot === null || input.sidecar.snapshot === undefined) return createActor(machine, { input: base });
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
  const store = new RunStore(input.db, input.config, input.sidecar, input.version, input.clock);
  let keyring: Promise<TrustedKeyring> | undefined;
  const { run_id, document_id, law_id, doc_prefix, source_version_id, kb_folder, actor: who } = input.sidecar;
  const deps = {
    config: input.config,
    db: input.db,
    kb: input.kb,
    run: { run_id, document_id, law_id, doc_prefix, source_version_id, kb_folder, actor: who },
    clock: input.clock,
    progress: input.progress,
    recorded: () => store.settled(),
    keyring: () => (keyring ??= loadKeyring(input.config.keyringDir, { kbRoot: input.config.kbDir })),
    ...(input.runLockLost === undefined ? {} : { runLockLost: input.runLockLost }),
  };
  const machine = createCutMachine().provide({ actors: { ...createPhaseActors(deps), ...input.actorOverrides } });
  const actor = createRunActor(machine, input);
  let actorError: unknown;
  const persist = (snap: SnapshotFrom<CutMachine>): void => {
    // The failpoint scope of the write is the step the machine is in (`cutplan/sidecar.write.after`).
    const scope = typeof snap.value === 'string' ? snap.value : Object.keys(snap.value)[0];
    // A sidecar that cannot be written must stop the run at once: nothing may advance unrecorded.
    // The error itself is rethrown by `store.flush()` below.
    store.record(actor.getPersistedSnapshot(), scope).catch(() => actor.stop());
  };
  const sub = actor.subscribe({ next: persist, error: (err) => { actorError = err; } });
  actor.start();
  const resting = (s: SnapshotFrom<CutMachine>): boolean => s.hasTag(STOPPED_TAG) || s.hasTag(AWAITING_TAG);
  if (resting(actor.getSnapshot())) actor.send({ type: 'RESUME', at: input.clock().toISOString() });
  try {
    await waitFor(actor, (s) => s.status !== 'active' || resting(s));
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
  return { sidecar: store.current, view: runView(store.current) };
}
