/**
 * The cut machine (DESIGN §4, §5, §8): 11 phases and 2 sovereign gates, orchestrated, no I/O.
 *
 * Shape, built from {@link STEPS} in order (machine id `cut`):
 * - `start` — transient: goes to the first step not in `context.completed` (all → `done`).
 *   A fresh run enters `source_pin`; a run rebuilt from a sidecar context resumes where it was.
 * - every phase: `check` (invoke `internalGate`, id `internalGate_<step>`) → `run` (invoke the
 *   step's actor, id = src = step name) → next step's `check`. Every step, `source_pin` included,
 *   has a check; before `source_pin` nothing is pinned so the gate has nothing to compare
 *   (choice documented per the brief, so every step reads the same).
 * - every gate SGn: `check` → `request` (invoke `SGn_request`, uploads the request) → `decide`
 *   (invoke `SGn_decide`) → next step. After `check`, a gate whose request pin is already set goes
 *   straight to `decide`: the request is never uploaded twice.
 * - any rejected invoke, or an output {@link checkPhaseOutput} refuses → the step's `stopped`
 *   substate (tag `'stopped'`) with `context.stop` set by {@link stopFromError}.
 * - `stopped` + `RESUME` → clears `stop` and re-enters the step at `check`. Improvement over
 *   "resume a gate at decide": the internal gate runs again first, because a sovereign may answer
 *   days later and drift must still be caught (DESIGN §4); the request is still not re-sent
 *   because `check` routes to `decide` when the request pin is set.
 * - `done` — final; the runner treats `snapshot.status === 'done'` as complete.
 *
 * No `after:` delays (not persisted, STACK-NOTES); every invoke has an explicit id; every
 * `assign` lives in `setup({ actions })`.
 */
import { assign, setup } from 'xstate';
import { checkPhaseOutput, requestPinOf } from './checkPhaseOutput.js';
import type { StepPart } from './checkPhaseOutput.js';
import { INTERNAL_GATE, notProvidedActors } from './phases.js';
import { STEPS, stepAfter } from './steps.js';
import type { GateName, PhaseName, StepName } from './steps.js';
import { stopFromError } from './stopFromError.js';
import type { CutContext, CutEvent, CutInput, PhaseActorInput } from './types.js';

/** Persisted-snapshot format version; bump it whenever states, ids or context change shape. */
export const SNAPSHOT_VERSION = 1;

/** The machine's id; targets are written `#cut.<step>`. */
export const CUT_MACHINE_ID = 'cut';

/** Tag on every `stopped` substate. */
export const STOPPED_TAG = 'stopped';

interface OutputParams {
  step: StepName;
  part: StepPart;
  output: unknown;
}

interface ErrorParams {
  step: StepName;
  error: unknown;
}

interface DoneEventArgs {
  event: { output: unknown };
}

interface ErrorEventArgs {
  event: { error: unknown };
}

/** The machine's building blocks: actors (loud defaults), actions and guards, all by name. */
export const cutMachineSetup = setup({
  types: {
    context: {} as CutContext,
    input: {} as CutInput,
    events: {} as CutEvent,
    tags: {} as typeof STOPPED_TAG,
    output: {} as CutContext,
  },
  actors: notProvidedActors(),
  actions: {
    recordOutput: assign(({ context }, params: OutputParams) => {
      const verdict = checkPhaseOutput(params.step, params.part, context, params.output);
      if (!verdict.ok) return {};
      const { pins, keys, upload } = verdict.patch;
      const stepDone = params.part !== 'request';
      return {
        pins: { ...context.pins, ...pins },
        keys: { ...context.keys, ...keys },
        uploads: upload === undefined ? context.uploads : { ...context.uploads, [params.step]: upload },
        completed: stepDone && !context.completed.includes(params.step) ? [...context.completed, params.step] : context.completed,
      };
    }),
    recordRejectedOutput: assign(({ context }, params: OutputParams) => {
      const verdict = checkPhaseOutput(params.step, params.part, context, params.output);
      if (verdict.ok) return {};
      return { stop: { code: verdict.code, message: verdict.message, step: params.step, at: '' } };
    }),
    recordError: assign((_, params: ErrorParams) => ({ stop: stopFromError(params.error, params.step, '') })),
    clearStop: assign({ stop: null }),
  },
  guards: {
    outputAccepted: ({ context }, params: OutputParams) => checkPhaseOutput(params.step, params.part, context, params.output).ok,
    requestPinned: ({ context }, params: { gate: GateName }) => context.pins[requestPinOf(params.gate)] !== undefined,
    stepPending: ({ context }, params: { step: StepName }) => !context.completed.includes(params.step),
  },
});

function inputFor(step: StepName) {
  return ({ context }: { context: CutContext }): PhaseActorInput => ({ step, context });
}

function targetAfter(step: StepName): string {
  return `#${CUT_MACHINE_ID}.${stepAfter(step) ?? 'done'}`;
}

function onErrorTo(step: StepName) {
  return {
    target: 'stopped',
    actions: { type: 'recordError' as const, params: ({ event }: ErrorEventArgs): ErrorParams => ({ step, error: event.error }) },
  };
}

function onOutput(step: StepName, part: StepPart, target: string) {
  const params = ({ event }: DoneEventArgs): OutputParams => ({ step, part, output: event.output });
  return [
    { guard: { type: 'outputAccepted' as const, params }, target, actions: { type: 'recordOutput' as const, params } },
    { target: 'stopped', actions: { type: 'recordRejectedOutput' as const, params } },
  ];
}

function stoppedState() {
  return {
    tags: STOPPED_TAG as typeof STOPPED_TAG,
    on: { RESUME: { target: 'check', actions: 'clearStop' as const } },
  };
}

function phaseState<S extends PhaseName>(step: S) {
  return {
    initial: 'check' as const,
    states: {
      check: {
        invoke: { id: `${INTERNAL_GATE}_${step}`, src: 'internalGate' as const, input: inputFor(step), onDone: { target: 'run' }, onError: onErrorTo(step) },
      },
      run: {
        invoke: { id: step, src: step as S, input: inputFor(step), onDone: onOutput(step, 'run', targetAfter(step)), onError: onErrorTo(step) },
      },
      stopped: stoppedState(),
    },
  };
}

function gateState<G extends GateName>(gate: G) {
  return {
    initial: 'check' as const,
    states: {
      check: {
        invoke: {
          id: `${INTERNAL_GATE}_${gate}`,
          src: 'internalGate' as const,
          input: inputFor(gate),
          onDone: [{ guard: { type: 'requestPinned' as const, params: { gate } }, target: 'decide' }, { target: 'request' }],
          onError: onErrorTo(gate),
        },
      },
      request: {
        invoke: { id: `${gate}_request`, src: `${gate}_request` as `${G}_request`, input: inputFor(gate), onDone: onOutput(gate, 'request', 'decide'), onError: onErrorTo(gate) },
      },
      decide: {
        invoke: { id: `${gate}_decide`, src: `${gate}_decide` as `${G}_decide`, input: inputFor(gate), onDone: onOutput(gate, 'decide', targetAfter(gate)), onError: onErrorTo(gate) },
      },
      stopped: stoppedState(),
    },
  };
}

type StepStates = { [K in PhaseName]: ReturnType<typeof phaseState<K>> } & { [K in GateName]: ReturnType<typeof gateState<K>> };

function stepStates(): StepStates {
  // Object.fromEntries loses the keys; the assertion restores them so state values stay typed.
  return Object.fromEntries(STEPS.map((s) => [s.name, s.kind === 'gate' ? gateState(s.name) : phaseState(s.name)])) as StepStates;
}

/**
 * Creates the cut machine with "not provided" actors; give it real ones with
 * `createCutMachine().provide({ actors: createPhaseActors(…) })`.
 *
 * Input: {@link CutInput}. A new run starts with empty pins; a given `context` is resumed
 * (its `stop` cleared, `snapshot_version` set to {@link SNAPSHOT_VERSION}).
 * Output (on `done`): the final {@link CutContext}, so `toPromise(actor)` yields every pin and key.
 */
export function createCutMachine() {
  return cutMachineSetup.createMachine({
    id: CUT_MACHINE_ID,
    context: ({ input }): CutContext =>
      input.context === undefined
        ? { snapshot_version: SNAPSHOT_VERSION, run_id: input.run_id, document_id: input.document_id, pins: {}, keys: {}, uploads: {}, stop: null, completed: [] }
        : { ...input.context, snapshot_version: SNAPSHOT_VERSION, stop: null },
    initial: 'start',
    output: ({ context }) => context,
    states: {
      start: {
        always: [...STEPS.map((s) => ({ guard: { type: 'stepPending' as const, params: { step: s.name } }, target: s.name })), { target: 'done' }],
      },
      ...stepStates(),
      done: { type: 'final' },
    },
  });
}

/** The type of the cut machine. */
export type CutMachine = ReturnType<typeof createCutMachine>;
