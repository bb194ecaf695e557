/**
 * The cut machine (DESIGN §4, §5, §6, §8): 11 phases and 2 sovereign gates, orchestrated, no I/O.
 *
 * The process reads top to bottom in {@link createCutMachine}: `start`, then the 13 steps of
 * `machines/steps.ts` listed literally in order, then `done`.
 * - `start` — transient: goes to the first step not in `context.completed` (all → `done`). A fresh
 *   run enters `source_pin`; a run rebuilt from an older snapshot's context resumes where it was.
 * - a phase: `check` (invoke `internalGate`, id `internalGate_<step>`: every pin re-validated
 *   against live state) → `run` (invoke the step's actor, id = src = step name) → next step.
 * - a gate SGn: `check` → `request` (invoke `SGn_request`: uploads the request) → `decide` (invoke
 *   `SGn_decide`: reads the approvals and resolves a verdict as data) → by guard: `approved` → next
 *   step; `pending` / `invalid` → `awaiting` (tag `awaiting`; `RESUME` → `check`); `denied` →
 *   `stopped` with `STOP_SG_DENIED`. A gate whose request is pinned goes from `check` straight to
 *   `decide`: the request is never uploaded twice. The verdict, the accepted and refused files and
 *   the time the gate started waiting are recorded in `context.approvals`.
 * - any rejected invoke, or an output {@link checkPhaseOutput} refuses → the step's `stopped`
 *   substate (tag `stopped`) with `context.stop` set by {@link stopFromError}; `RESUME` clears it
 *   and re-enters the step at `check`, so drift is caught again before anything is written.
 * - `done` — final; the runner treats `snapshot.status === 'done'` as complete.
 *
 * No `after:` delays (not persisted, STACK-NOTES); every invoke has an explicit id; every
 * `assign` lives in `setup({ actions })`.
 */
import { assign, setup } from 'xstate';
import { checkPhaseOutput, requestPinOf } from './checkPhaseOutput.js';
import type { StepPart } from './checkPhaseOutput.js';
import { INTERNAL_GATE, notProvidedActors } from './phases.js';
import type { GateName, PhaseName, StepName } from './steps.js';
import { stopFromError } from './stopFromError.js';
import type { CutContext, CutEvent, CutInput, GateDecisionOutput, GateRecord, GateVerdict, PhaseActorInput } from './types.js';

/** Persisted-snapshot format version; bump it whenever states, ids or context change shape. */
export const SNAPSHOT_VERSION = 2;

/** The machine's id; targets are written `#cut.<step>`. */
export const CUT_MACHINE_ID = 'cut';

/** Tag on every `stopped` substate. */
export const STOPPED_TAG = 'stopped';

/** Tag on every gate's `awaiting` substate (exit 10, DESIGN §8). */
export const AWAITING_TAG = 'awaiting';

/** A gate record before its first decide. */
export const NO_GATE_RECORD: GateRecord = { verdict: null, accepted: null, refused: [], since: null };

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

function decisionOf(params: OutputParams, context: CutContext): GateDecisionOutput | undefined {
  const verdict = checkPhaseOutput(params.step, params.part, context, params.output);
  return verdict.ok ? verdict.decision : undefined;
}

function verdictIn(params: OutputParams, context: CutContext, verdicts: readonly GateVerdict[]): boolean {
  const d = decisionOf(params, context);
  return d !== undefined && verdicts.includes(d.verdict);
}

/** The machine's building blocks: actors (loud defaults), actions and guards, all by name. */
export const cutMachineSetup = setup({
  types: {
    context: {} as CutContext,
    input: {} as CutInput,
    events: {} as CutEvent,
    tags: {} as typeof STOPPED_TAG | typeof AWAITING_TAG,
    output: {} as CutContext,
  },
  actors: notProvidedActors(),
  actions: {
    recordOutput: assign(({ context }, params: OutputParams) => {
      const verdict = checkPhaseOutput(params.step, params.part, context, params.output);
      if (!verdict.ok) return {};
      const { pins, keys, upload } = verdict.patch;
      const decision = verdict.decision;
      const stepDone = params.part === 'run' || decision?.verdict === 'approved';
      const gate = params.step as GateName;
      return {
        pins: { ...context.pins, ...pins },
        keys: { ...context.keys, ...keys },
        uploads: upload === undefined ? context.uploads : { ...context.uploads, [params.step]: upload },
        completed: stepDone && !context.completed.includes(params.step) ? [...context.completed, params.step] : context.completed,
        approvals: decision === undefined ? context.approvals : {
          ...context.approvals,
          [gate]: { verdict: decision.verdict, accepted: decision.accepted, refused: decision.refused, since: context.approvals[gate].since ?? decision.since },
        },
      };
    }),
    recordDenied: assign(({ context }, params: OutputParams) => {
      const d = decisionOf(params, context);
      const by = d?.accepted === null || d === undefined ? 'a sovereign' : `${d.accepted.signer_fingerprint.toUpperCase()} in ${d.accepted.name}`;
      const why = d?.accepted?.reason === undefined ? '' : `: ${d.accepted.reason}`;
      return { stop: { code: 'STOP_SG_DENIED' as const, message: `${params.step} denied by ${by}${why}`, step: params.step, at: d?.at ?? '' } };
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
    approved: ({ context }, params: OutputParams) => verdictIn(params, context, ['approved']),
    waiting: ({ context }, params: OutputParams) => verdictIn(params, context, ['pending', 'invalid']),
    denied: ({ context }, params: OutputParams) => verdictIn(params, context, ['denied']),
    requestPinned: ({ context }, params: { gate: GateName }) => context.pins[requestPinOf(params.gate)] !== undefined,
    stepPending: ({ context }, params: { step: StepName }) => !context.completed.includes(params.step),
  },
});

function inputFor(step: StepName) {
  return ({ context }: { context: CutContext }): PhaseActorInput => ({ step, context });
}

function onErrorTo(step: StepName) {
  return {
    target: 'stopped',
    actions: { type: 'recordError' as const, params: ({ event }: ErrorEventArgs): ErrorParams => ({ step, error: event.error }) },
  };
}

function outputParams(step: StepName, part: StepPart) {
  return ({ event }: DoneEventArgs): OutputParams => ({ step, part, output: event.output });
}

function onOutput(step: StepName, part: StepPart, target: string) {
  const params = outputParams(step, part);
  return [
    { guard: { type: 'outputAccepted' as const, params }, target, actions: { type: 'recordOutput' as const, params } },
    { target: 'stopped', actions: { type: 'recordRejectedOutput' as const, params } },
  ];
}

function onVerdict(gate: GateName, next: string) {
  const params = outputParams(gate, 'decide');
  return [
    { guard: { type: 'approved' as const, params }, target: next, actions: { type: 'recordOutput' as const, params } },
    { guard: { type: 'waiting' as const, params }, target: 'awaiting', actions: { type: 'recordOutput' as const, params } },
    { guard: { type: 'denied' as const, params }, target: 'stopped', actions: [{ type: 'recordOutput' as const, params }, { type: 'recordDenied' as const, params }] },
    { target: 'stopped', actions: { type: 'recordRejectedOutput' as const, params } },
  ];
}

const stopped = {
  tags: STOPPED_TAG as typeof STOPPED_TAG,
  on: { RESUME: { target: 'check', actions: 'clearStop' as const } },
} as const;

/** A phase: internal gate, then the phase's actor; `next` is the following step's id. */
function phase<S extends PhaseName>(step: S, next: string) {
  return {
    initial: 'check' as const,
    states: {
      check: {
        invoke: { id: `${INTERNAL_GATE}_${step}`, src: INTERNAL_GATE, input: inputFor(step), onDone: { target: 'run' }, onError: onErrorTo(step) },
      },
      run: {
        invoke: { id: step, src: step as S, input: inputFor(step), onDone: onOutput(step, 'run', next), onError: onErrorTo(step) },
      },
      stopped,
    },
  };
}

/** A sovereign gate: internal gate, request (once), decide, and waiting for a sovereign as a state. */
function gate<G extends GateName>(name: G, next: string) {
  return {
    initial: 'check' as const,
    states: {
      check: {
        invoke: {
          id: `${INTERNAL_GATE}_${name}`,
          src: INTERNAL_GATE,
          input: inputFor(name),
          onDone: [{ guard: { type: 'requestPinned' as const, params: { gate: name } }, target: 'decide' }, { target: 'request' }],
          onError: onErrorTo(name),
        },
      },
      request: {
        invoke: { id: `${name}_request`, src: `${name}_request` as `${G}_request`, input: inputFor(name), onDone: onOutput(name, 'request', 'decide'), onError: onErrorTo(name) },
      },
      decide: {
        invoke: { id: `${name}_decide`, src: `${name}_decide` as `${G}_decide`, input: inputFor(name), onDone: onVerdict(name, next), onError: onErrorTo(name) },
      },
      awaiting: {
        tags: AWAITING_TAG as typeof AWAITING_TAG,
        on: { RESUME: { target: 'check' } },
      },
      stopped,
    },
  };
}

const at = (step: StepName | 'done'): string => `#${CUT_MACHINE_ID}.${step}`;

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
        ? {
            snapshot_version: SNAPSHOT_VERSION, run_id: input.run_id, document_id: input.document_id, pins: {}, keys: {}, uploads: {}, stop: null, completed: [],
            approvals: { SG1: NO_GATE_RECORD, SG2: NO_GATE_RECORD },
          }
        : { ...input.context, snapshot_version: SNAPSHOT_VERSION, stop: null },
    initial: 'start',
    output: ({ context }) => context,
    states: {
      start: {
        always: [
          { guard: { type: 'stepPending', params: { step: 'source_pin' } }, target: 'source_pin' },
          { guard: { type: 'stepPending', params: { step: 'mark' } }, target: 'mark' },
          { guard: { type: 'stepPending', params: { step: 'cutplan' } }, target: 'cutplan' },
          { guard: { type: 'stepPending', params: { step: 'backup' } }, target: 'backup' },
          { guard: { type: 'stepPending', params: { step: 'grant_probe' } }, target: 'grant_probe' },
          { guard: { type: 'stepPending', params: { step: 'SG1' } }, target: 'SG1' },
          { guard: { type: 'stepPending', params: { step: 'cut_leg_a' } }, target: 'cut_leg_a' },
          { guard: { type: 'stepPending', params: { step: 'structural_verify' } }, target: 'structural_verify' },
          { guard: { type: 'stepPending', params: { step: 'leg_b_record' } }, target: 'leg_b_record' },
          { guard: { type: 'stepPending', params: { step: 'write_verify' } }, target: 'write_verify' },
          { guard: { type: 'stepPending', params: { step: 'SG2' } }, target: 'SG2' },
          { guard: { type: 'stepPending', params: { step: 'lifecycle_enact' } }, target: 'lifecycle_enact' },
          { guard: { type: 'stepPending', params: { step: 'closeout' } }, target: 'closeout' },
          { target: 'done' },
        ],
      },
      source_pin: phase('source_pin', at('mark')),
      mark: phase('mark', at('cutplan')),
      cutplan: phase('cutplan', at('backup')),
      backup: phase('backup', at('grant_probe')),
      grant_probe: phase('grant_probe', at('SG1')),
      SG1: gate('SG1', at('cut_leg_a')),
      cut_leg_a: phase('cut_leg_a', at('structural_verify')),
      structural_verify: phase('structural_verify', at('leg_b_record')),
      leg_b_record: phase('leg_b_record', at('write_verify')),
      write_verify: phase('write_verify', at('SG2')),
      SG2: gate('SG2', at('lifecycle_enact')),
      lifecycle_enact: phase('lifecycle_enact', at('closeout')),
      closeout: phase('closeout', at('done')),
      done: { type: 'final' },
    },
  });
}

/** The type of the cut machine. */
export type CutMachine = ReturnType<typeof createCutMachine>;
