/**
 * The factory of the cut machine's actors (STYLE: I/O behind a factory, swapped in tests with
 * `machine.provide`). Each actor is a promise actor wrapping one phase function; progress (with
 * elapsed ms) goes to the injected reporter.
 */
import { fromPromise } from 'xstate';
import type { CutActors } from '../../machines/phases.js';
import type { GateDecisionOutput, PhaseActorInput, PhaseOutput } from '../../machines/types.js';
import { assertRunLockHeld, type PhaseDeps } from './PhaseDeps.js';
import { internalGate } from './internalGate.js';
import { cutplan, mark, sourcePin } from './phases/prePhases.js';
import { backup, grantProbe } from './phases/safetyPhases.js';
import { gateDecide, gateRequest } from './phases/gates.js';
import { cutLegA, legBRecord, structuralVerify, writeVerify } from './phases/writePhases.js';
import { closeout, lifecycleEnact } from './phases/finalPhases.js';

/**
 * The machine has no clock: an error it records as the run's stop carries its own time (`at`,
 * read by `stopFromError`), stamped here when the thrower gave none.
 */
function stamped(err: unknown, now: Date): unknown {
  if (typeof err !== 'object' || err === null) return Object.assign(new Error(String(err)), { at: now.toISOString() });
  if (typeof (err as { at?: unknown }).at !== 'string' && Object.isExtensible(err)) {
    try {
      Object.defineProperty(err, 'at', { value: now.toISOString(), enumerable: false, configurable: true });
    } catch {
      // A frozen or exotic error keeps its shape; the stop then has no time.
    }
  }
  return err;
}

/** A gate decide that did not open the gate shows, in the progress line, the code its state reports. */
function waitingCode(input: PhaseActorInput, out: unknown): string | null {
  const verdict = typeof out === 'object' && out !== null ? (out as { verdict?: unknown }).verdict : undefined;
  if (verdict === 'pending') return `AWAITING_${input.step}`;
  if (verdict === 'invalid') return 'STOP_APPROVAL_INVALID';
  if (verdict === 'denied') return 'STOP_SG_DENIED';
  return null;
}

function timed<T>(deps: PhaseDeps, label: string, fn: (input: PhaseActorInput) => Promise<T>) {
  return fromPromise<T, PhaseActorInput>(async ({ input }) => {
    const t0 = performance.now();
    deps.progress.stepStarted(label);
    try {
      await deps.recorded?.();
      assertRunLockHeld(deps);
      const out = await fn(input);
      const waiting = waitingCode(input, out);
      if (waiting === null) deps.progress.stepDone(label, performance.now() - t0);
      else deps.progress.stepFailed(label, performance.now() - t0, waiting);
      return out;
    } catch (err) {
      const code = typeof (err as { code?: unknown }).code === 'string' ? String((err as { code: string }).code) : 'STOP_INTERNAL';
      deps.progress.stepFailed(label, performance.now() - t0, code);
      throw stamped(err, deps.clock());
    }
  });
}

/** Every actor the cut machine invokes, bound to `deps`. */
export function createPhaseActors(deps: PhaseDeps): CutActors {
  const phase = (label: string, fn: (d: PhaseDeps, i: PhaseActorInput) => Promise<PhaseOutput>) => timed<PhaseOutput>(deps, label, (i) => fn(deps, i));
  return {
    internalGate: fromPromise<unknown, PhaseActorInput>(({ input }) => Promise.resolve(deps.recorded?.()).then(() => { assertRunLockHeld(deps); return internalGate(deps, input); }).catch((err: unknown) => { throw stamped(err, deps.clock()); })),
    source_pin: phase('source_pin', sourcePin),
    mark: phase('mark', mark),
    cutplan: phase('cutplan', cutplan),
    backup: phase('backup', backup),
    grant_probe: phase('grant_probe', grantProbe),
    SG1_request: phase('SG1 request', (d, i) => gateRequest(d, 'SG1', i)),
    SG1_decide: timed<GateDecisionOutput>(deps, 'SG1 decide', (i) => gateDecide(deps, 'SG1', i)),
    cut_leg_a: phase('cut_leg_a', cutLegA),
    structural_verify: phase('structural_verify', structuralVerify),
    leg_b_record: phase('leg_b_record', legBRecord),
    write_verify: phase('write_verify', writeVerify),
    SG2_request: phase('SG2 request', (d, i) => gateRequest(d, 'SG2', i)),
    SG2_decide: timed<GateDecisionOutput>(deps, 'SG2 decide', (i) => gateDecide(deps, 'SG2', i)),
    lifecycle_enact: phase('lifecycle_enact', lifecycleEnact),
    closeout: phase('closeout', closeout),
  };
}
