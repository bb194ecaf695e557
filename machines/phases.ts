/**
 * The actors the cut machine invokes, by name, and their loud default implementations.
 *
 * The machine does no I/O (STYLE.md): a factory elsewhere (`createPhaseActors({ db, kb, sidecars,
 * keyring, clock })`) provides every name of {@link PHASE_ACTOR_NAMES} through `machine.provide`;
 * tests provide fakes the same way.
 */
import { fromPromise } from 'xstate';
import type { PromiseActorLogic } from 'xstate';
import { PHASE_NAMES } from './steps.js';
import type { PhaseName } from './steps.js';
import type { GateActorName, GateDecisionOutput, PhaseActorInput, PhaseOutput } from './types.js';

/** src of the internal gate that runs before every step (DESIGN §4: re-validate pins, else STOP_DRIFT). */
export const INTERNAL_GATE = 'internalGate' as const;

/** The gate actors, in order. */
export const GATE_ACTOR_NAMES = ['SG1_request', 'SG1_decide', 'SG2_request', 'SG2_decide'] as const satisfies readonly GateActorName[];

/** Every actor src a factory must provide: the internal gate, the 11 phases, the 4 gate actors. */
export const PHASE_ACTOR_NAMES: readonly (keyof CutActors)[] = [INTERNAL_GATE, ...PHASE_NAMES, ...GATE_ACTOR_NAMES];

/**
 * The internal gate: resolves when every pinned digest still matches live state; rejects with a
 * `STOP_DRIFT` StopError (or another DESIGN §8 code) otherwise. Its output is ignored.
 * It only checks pins that are set, so before `source_pin` it has nothing to check.
 */
export type InternalGateLogic = PromiseActorLogic<unknown, PhaseActorInput>;

/** A phase actor: does its work (adopting its own earlier effect when run again), uploads its report. */
export type PhaseLogic = PromiseActorLogic<PhaseOutput, PhaseActorInput>;

/** A gate's request actor (uploads the request document) — same contract as a phase. */
export type GateRequestLogic = PromiseActorLogic<PhaseOutput, PhaseActorInput>;

/** A gate's decide actor: reads the approvals; rejects with AWAITING_SGn / STOP_APPROVAL_INVALID. */
export type GateDecideLogic = PromiseActorLogic<GateDecisionOutput, PhaseActorInput>;

/** The full set of actors, keyed by src; the type `machine.provide({ actors })` accepts. */
export type CutActors = { internalGate: InternalGateLogic } & Record<PhaseName, PhaseLogic> & {
    SG1_request: GateRequestLogic;
    SG2_request: GateRequestLogic;
    SG1_decide: GateDecideLogic;
    SG2_decide: GateDecideLogic;
  };

function notProvided<T>(name: string): PromiseActorLogic<T, PhaseActorInput> {
  return fromPromise<T, PhaseActorInput>(() => Promise.reject(new Error(`actor "${name}" not provided: pass it with machine.provide({ actors })`)));
}

/**
 * Defaults that reject with "not provided", so a forgotten actor stops the run as `STOP_INTERNAL`
 * instead of silently doing nothing.
 */
export function notProvidedActors(): CutActors {
  const phases = Object.fromEntries(PHASE_NAMES.map((p) => [p, notProvided<PhaseOutput>(p)])) as Record<PhaseName, PhaseLogic>;
  return {
    internalGate: notProvided<unknown>(INTERNAL_GATE),
    ...phases,
    SG1_request: notProvided<PhaseOutput>('SG1_request'),
    SG2_request: notProvided<PhaseOutput>('SG2_request'),
    SG1_decide: notProvided<GateDecisionOutput>('SG1_decide'),
    SG2_decide: notProvided<GateDecisionOutput>('SG2_decide'),
  };
}
