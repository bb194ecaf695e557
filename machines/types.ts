/**
 * Shapes of the cut machine: its persisted context, its input, its events and the contract of
 * the phase actors a factory provides (DESIGN §4, §5, §8; reference §4, §6).
 *
 * Everything in {@link CutContext} is plain JSON: the runner persists it inside the snapshot.
 */
import type { ApprovalRefusalReason } from '../src/approval/approvalRefusal.js';
import type { StopCode } from '../src/errors.js';
import type { GateName, PhaseName, StepName } from './steps.js';

/**
 * Stop codes the machine can report: every DESIGN §8 code plus `STOP_INTERNAL`.
 *
 * `STOP_INTERNAL` means "an unexpected error (a bug)": an actor rejected with something that is
 * not a stop of DESIGN §8, returned a malformed output, or was not provided. The runner maps it
 * to exit status 1 (`EXIT.internal` in src/errors.ts).
 */
export type MachineStopCode = StopCode | 'STOP_INTERNAL';

/** Names of the digests and ids pinned in a run (reference §4 and §6, DESIGN §4 and §6). */
export const PIN_NAMES = [
  'manifest_digest',
  'region_sha',
  'writer_digest',
  'backup_sha',
  'grant_probe_sha',
  'change_set_id',
  'manifest_envelope_id',
  'verify_result_id',
  'review_decision_id',
  'structural_verify_payload_sha',
  'final_report_sha',
  'sg1_request_sha256',
  'sg2_request_sha256',
  'sg1_approval_sha256',
  'sg2_approval_sha256',
] as const;

/** A pin name. */
export type PinName = (typeof PIN_NAMES)[number];

/**
 * The run's pins: sha256 values as 64 lowercase hex, ids as UUIDv7 strings. A pin, once set,
 * is never re-derived (DESIGN §5): a phase output that disagrees with it stops the run.
 */
export type Pins = Partial<Record<PinName, string>>;

/** The idempotency key each phase persisted, by phase name (reference §4 table). */
export type Keys = Partial<Record<PhaseName, string>>;

/** One KB upload (DESIGN §3): repository-relative path, sha256 hex of the bytes, commit hash. */
export interface UploadRecord {
  path: string;
  sha256: string;
  commit: string;
}

/** The uploads of a run, by step: a phase's report, or a gate's request document. */
export type Uploads = Partial<Record<StepName, UploadRecord>>;

/**
 * Why a run is stopped (DESIGN §8). `at` is an ISO-8601 time taken from the error (`err.at`) or
 * the event that caused the stop — the machine has no clock — and is `''` when none was given.
 * `detail` holds only JSON strings (runbook, what was and was not written, …).
 */
export interface CutStop {
  code: MachineStopCode;
  message: string;
  step: StepName;
  at: string;
  detail?: Record<string, string | string[]>;
}

/** The approval that decided a gate (DESIGN §6). `signer_fingerprint` is lowercase hex. */
export interface AcceptedApproval {
  name: string;
  sha256: string;
  signer_fingerprint: string;
  decision: 'approve' | 'deny';
  signed_at: string;
  /** The signed `reason` field (absent in records made by release 0.1.0). */
  reason?: string;
}

/** An approval file that was considered and refused, with the reason code of `verifyApproval`. */
export interface RefusedApproval {
  name: string;
  sha256: string;
  reason: ApprovalRefusalReason;
  message: string;
}

/**
 * What a gate's `decide` found (DESIGN §6), routed by the machine's guards:
 * - `approved` → the next step; `denied` → `stopped` with `STOP_SG_DENIED`;
 * - `pending` (no approval file yet) and `invalid` (only refused files) → `awaiting`.
 */
export type GateVerdict = 'approved' | 'denied' | 'pending' | 'invalid';

/**
 * A gate's record in the run: the last verdict, the accepted approval (null until one is
 * valid), every refused file, and `since` — when the gate started waiting (ISO-8601; set by the
 * first decide and never restarted by a stop or a resume).
 */
export interface GateRecord {
  verdict: GateVerdict | null;
  accepted: AcceptedApproval | null;
  refused: RefusedApproval[];
  since: string | null;
}

/**
 * The machine's context. It is persisted (JSON) after every transition, so it holds only plain data.
 * `snapshot_version` is the persisted-snapshot format version (see `SNAPSHOT_VERSION`).
 */
export interface CutContext {
  snapshot_version: number;
  run_id: string;
  document_id: string;
  pins: Pins;
  keys: Keys;
  uploads: Uploads;
  stop: CutStop | null;
  /** Steps done, in DESIGN §4 order; always a prefix of `STEP_NAMES`. */
  completed: StepName[];
  /** The sovereign gates' verdicts (DESIGN §6). */
  approvals: Record<GateName, GateRecord>;
}

/**
 * Input of the machine: a new run, or a run rebuilt from its sidecar (`context`). A given
 * `context` is taken as a resume: its `stop` is cleared and the machine enters the first step not
 * in `context.completed` at its internal gate. The machine trusts `context`: validate a sidecar's
 * copy with `parseCutContext` (machines/cutContextSchema.ts) first.
 */
export interface CutInput {
  run_id: string;
  document_id: string;
  context?: CutContext;
}

/** `RESUME`: leave a `stopped` state and re-enter the step at its internal gate. `at` is informative. */
export interface ResumeEvent {
  type: 'RESUME';
  at?: string;
}

/** Every event the machine accepts from outside. */
export type CutEvent = ResumeEvent;

/** What every phase actor, gate actor and the internal gate receive. */
export interface PhaseActorInput {
  step: StepName;
  context: CutContext;
}

/**
 * What a phase actor (and a gate's `request` actor) resolves with: pins and keys to record, and
 * the upload of its report. The machine requires `upload` and — for a phase — `keys[step]`
 * (DESIGN §1: it advances only after the report upload succeeded).
 */
export interface PhaseOutput {
  pins?: Pins;
  keys?: Keys;
  upload?: UploadRecord;
}

/**
 * What a gate's `decide` actor resolves with (DESIGN §6): the verdict as data, never a thrown
 * error. `approved` / `denied` carry the deciding approval in `accepted`; `since` is when the gate
 * started waiting (the actor keeps the one already recorded); `at` is when the approvals were read.
 */
export interface GateDecisionOutput {
  verdict: GateVerdict;
  accepted: AcceptedApproval | null;
  refused: RefusedApproval[];
  since: string;
  at: string;
}

/** Names of the two actors of each gate, e.g. `SG1_request`, `SG1_decide`. */
export type GateActorName = `${GateName}_request` | `${GateName}_decide`;
