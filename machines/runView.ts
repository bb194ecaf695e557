/**
 * The one view of a run (STYLE "one copy of state"): everything `status`, `runs`, `verify`,
 * `approve`, `void`, the replay check and the CLI show of a run is derived here, purely, from the
 * sidecar's identity and its persisted machine snapshot (DESIGN §2, §5, §6, §8).
 */
import { parseCutContext } from './cutContextSchema.js';
import { NO_GATE_RECORD } from './cutMachine.js';
import { GATE_NAMES, STEP_NAMES, isGate, isStepName } from './steps.js';
import type { GateName, StepName } from './steps.js';
import { stopSummary } from './stopSummary.js';
import type { CutContext, GateRecord, Keys, MachineStopCode, Pins } from './types.js';

/** A sovereign's void of the run (DESIGN §5): not machine state, recorded beside the snapshot. */
export interface VoidRecord {
  /** ISO-8601 time the void was recorded. */
  at: string;
  /** KB path of the signed `VOID-<date>.md`; null for a run voided by a release that did not record it. */
  void_document: string | null;
  /** id of the `change_set_void` row; null when the run wrote no change set (or it is not known). */
  change_set_void_id: string | null;
}

/** Who and what a run is (DESIGN §2, §3): fixed when the run is created, except `updated_at`. */
export interface RunIdentityFields {
  run_id: string;
  document_id: string;
  law_id: string;
  doc_prefix: string;
  source_version_id: string;
  kb_folder: string;
  actor: string;
  created_at: string;
  updated_at: string;
}

/** The run's identity and persisted snapshot: the sidecar's content (schema 2), as the view reads it. */
export interface RunRecord extends RunIdentityFields {
  voided: VoidRecord | null;
  /** `actor.getPersistedSnapshot()` after the last transition; null before the machine first moved. */
  snapshot: unknown;
}

/**
 * Run states (sidecar `state` of earlier releases, derived now):
 * - `running` — a step is executing (or the process died while it was: resume it);
 * - `awaiting_sg1` / `awaiting_sg2` — the gate waits for a valid approval (exit 10, or 20 with
 *   `STOP_APPROVAL_INVALID` while only refused files exist);
 * - `stopped` — stopped with a DESIGN §8 code; resumable once the cause is fixed;
 * - `done` — closeout finished; a later `cut` of the same source version is an idempotent replay;
 * - `voided` — a sovereign voided the run; it no longer blocks a new cut.
 */
export const RUN_STATES = ['running', 'awaiting_sg1', 'awaiting_sg2', 'stopped', 'done', 'voided'] as const;

/** One of {@link RUN_STATES}. */
export type RunState = (typeof RUN_STATES)[number];

/** One uploaded KB document (DESIGN §3), in step order. */
export interface RunUpload {
  step: StepName;
  /** File name in the run folder. */
  name: string;
  path: string;
  sha256: string;
  commit: string;
}

/** Why the run is not moving (DESIGN §8). */
export interface RunStop {
  /** The code reported to the user (a stop between the legs is `STOP_BETWEEN_LEG_A_AND_LEG_B`, stopSummary). */
  code: MachineStopCode;
  /** The code of the error that stopped the step (equal to `code` unless between the legs). */
  cause: MachineStopCode;
  step: StepName;
  message: string;
  /** ISO-8601; for a gate wait, when the gate started waiting. */
  at: string;
  /** `<step>: <message>`, one line. */
  detail: string;
  /** What the stopping step said was (not) written, its runbook and next command, when it said so. */
  facts: Record<string, string | string[]>;
}

/** The run as every reader sees it. */
export interface RunView extends RunIdentityFields {
  state: RunState;
  /** The step the run is in, stopped or waiting at; null when done. */
  step: StepName | null;
  completed: StepName[];
  pins: Pins;
  keys: Keys;
  uploads: RunUpload[];
  approvals: Record<GateName, GateRecord>;
  stop: RunStop | null;
  /** When the gate the run waits at started waiting (the request's first decide); null when not waiting. */
  waiting_since: string | null;
  voided: VoidRecord | null;
}

const EMPTY: CutContext = {
  snapshot_version: 0, run_id: '', document_id: '', pins: {}, keys: {}, uploads: {}, stop: null, completed: [],
  approvals: { SG1: NO_GATE_RECORD, SG2: NO_GATE_RECORD },
};

interface PersistedShape {
  status?: unknown;
  value?: unknown;
  context?: unknown;
}

function stepAndSub(value: unknown): { step: StepName | null; sub: string | null } {
  if (typeof value === 'string') return { step: isStepName(value) ? value : null, sub: null };
  if (typeof value !== 'object' || value === null) return { step: null, sub: null };
  const [entry] = Object.entries(value as Record<string, unknown>);
  if (entry === undefined || !isStepName(entry[0])) return { step: null, sub: null };
  return { step: entry[0], sub: typeof entry[1] === 'string' ? entry[1] : null };
}

function gateWait(gate: GateName, context: CutContext): RunStop {
  const record = context.approvals[gate];
  const request = context.uploads[gate]?.path ?? `the ${gate} request`;
  const invalid = record.verdict === 'invalid';
  const message = invalid
    ? `no valid ${gate} approval; refused: ${record.refused.map((r) => `${r.name} (${r.reason}): ${r.message}`).join('; ')}`
    : `waiting for a sovereign's signed ${gate} approval of ${request}`;
  const code: MachineStopCode = invalid ? 'STOP_APPROVAL_INVALID' : `AWAITING_${gate}`;
  return { code, cause: code, step: gate, message, at: record.since ?? '', detail: `${gate}: ${message}`, facts: {} };
}

/**
 * Derives the {@link RunView} of a run record. Pure; the record is trusted (parseSidecar validated
 * it): a snapshot whose context does not parse is a bug and throws.
 *
 * @throws Error when `record.snapshot` is set but its context is not a valid CutContext
 */
export function runView(record: RunRecord): RunView {
  const snap = (record.snapshot ?? null) as PersistedShape | null;
  let context = EMPTY;
  if (snap !== null) {
    const parsed = parseCutContext(snap.context);
    if (!parsed.ok) throw new Error(`run ${record.run_id}: the snapshot's context is invalid: ${parsed.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    context = parsed.context;
  }
  const done = snap?.status === 'done';
  const { step, sub } = snap === null ? { step: 'source_pin' as StepName, sub: null } : stepAndSub(snap.value);
  let state: RunState = done ? 'done' : sub === 'stopped' ? 'stopped' : sub === 'awaiting' && isGate(step) ? (step === 'SG1' ? 'awaiting_sg1' : 'awaiting_sg2') : 'running';
  let stop: RunStop | null = null;
  if (state === 'stopped' && context.stop !== null) {
    const code = stopSummary(context) ?? context.stop.code;
    stop = { code, cause: context.stop.code, step: context.stop.step, message: context.stop.message, at: context.stop.at, detail: `${context.stop.step}: ${context.stop.message}`, facts: context.stop.detail ?? {} };
  } else if ((state === 'awaiting_sg1' || state === 'awaiting_sg2') && isGate(step)) {
    stop = gateWait(step, context);
  }
  const waiting = state === 'awaiting_sg1' || state === 'awaiting_sg2';
  if (record.voided !== null) state = 'voided';
  const uploads = STEP_NAMES.flatMap((s): RunUpload[] => {
    const u = context.uploads[s];
    return u === undefined ? [] : [{ step: s, name: u.path.split('/').pop() ?? u.path, path: u.path, sha256: u.sha256, commit: u.commit }];
  });
  return {
    run_id: record.run_id,
    document_id: record.document_id,
    law_id: record.law_id,
    doc_prefix: record.doc_prefix,
    source_version_id: record.source_version_id,
    kb_folder: record.kb_folder,
    actor: record.actor,
    created_at: record.created_at,
    updated_at: record.updated_at,
    state,
    step: done ? null : step,
    completed: [...context.completed],
    pins: { ...context.pins },
    keys: { ...context.keys },
    uploads,
    approvals: Object.fromEntries(GATE_NAMES.map((g) => [g, context.approvals[g]])) as Record<GateName, GateRecord>,
    stop,
    waiting_since: waiting && isGate(step) ? context.approvals[step].since : null,
    voided: record.voided,
  };
}

/** The upload of `step` in a view, if any. */
export function uploadOf(view: Pick<RunView, 'uploads'>, step: StepName): RunUpload | undefined {
  return view.uploads.find((u) => u.step === step);
}
