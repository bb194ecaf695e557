/**
 * Maps the machine's snapshot onto the run's sidecar after every transition (issue 5: the
 * persisted snapshot goes into the sidecar after every transition). Pure.
 */
import type { RunContext, RunState } from '../sidecar/runContextSchema.js';
import { ContextPinsSchema } from '../sidecar/runContextSchema.js';
import { STEP_NAMES } from '../../machines/steps.js';
import { stopSummary } from '../../machines/stopSummary.js';
import type { CutContext } from '../../machines/types.js';
import { SNAPSHOT_VERSION, STOPPED_TAG } from '../../machines/cutMachine.js';

/** The parts of an XState snapshot this mapping reads. */
export interface SnapshotView {
  status: string;
  context: CutContext;
  hasTag(tag: string): boolean;
}

const SIDECAR_PINS = Object.keys(ContextPinsSchema.shape) as (keyof RunContext['context_pins'])[];

/** The run state a snapshot stands for (sidecar `state`). */
export function runStateOf(snap: SnapshotView): RunState {
  if (snap.status === 'done') return 'done';
  if (!snap.hasTag(STOPPED_TAG)) return 'running';
  const code = snap.context.stop?.code;
  if (code === 'AWAITING_SG1') return 'awaiting_sg1';
  if (code === 'AWAITING_SG2') return 'awaiting_sg2';
  return 'stopped';
}

/**
 * The sidecar after `snap`: pins, keys, uploads (in step order), state, stop (with the reported
 * code of `stopSummary`), and the persisted snapshot itself.
 */
export function sidecarFromSnapshot(ctx: RunContext, snap: SnapshotView, persisted: unknown, now: Date): RunContext {
  const mc = snap.context;
  const pins: RunContext['context_pins'] = { ...ctx.context_pins };
  for (const name of SIDECAR_PINS) {
    const v = (mc.pins as Record<string, string | undefined>)[name];
    if (v !== undefined) pins[name] = v;
  }
  const uploads = STEP_NAMES.flatMap((step) => {
    const u = mc.uploads[step];
    return u === undefined ? [] : [{ name: u.path.split('/').pop() ?? u.path, path: u.path, sha256: u.sha256, commit: u.commit }];
  });
  const code = stopSummary(mc);
  const state = runStateOf(snap);
  const stop = state === 'running' || state === 'done' || mc.stop === null || code === null
    ? null
    : { code, at: mc.stop.at !== '' ? mc.stop.at : now.toISOString(), detail: `${mc.stop.step}: ${mc.stop.message}` };
  return {
    ...ctx,
    context_pins: pins,
    keys: { ...ctx.keys, ...mc.keys },
    uploads,
    state,
    stop,
    snapshot: persisted,
    snapshot_version: SNAPSHOT_VERSION,
  };
}
