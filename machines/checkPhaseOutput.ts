/**
 * Decides whether an actor's output may be recorded in the run's context (pure).
 *
 * The machine records nothing it cannot trust: the output must be well-formed, carry what the
 * part owes (DESIGN §1: a phase advances only after its report upload; reference §4: every phase
 * persists its key), and must not re-derive a value that is already pinned (DESIGN §5).
 */
import { gateDecisionOutputSchema, phaseOutputSchema, toIssues } from './cutContextSchema.js';
import { isGate } from './steps.js';
import type { GateName, StepName } from './steps.js';
import type { CutContext, GateDecisionOutput, MachineStopCode, PhaseOutput, PinName } from './types.js';

/** Which invoke of a step produced the output. */
export type StepPart = 'run' | 'request' | 'decide';

/** Verdict of {@link checkPhaseOutput}: the accepted patch, or a stop code and a reason. */
export type OutputVerdict =
  | { ok: true; patch: PhaseOutput; decision?: GateDecisionOutput }
  | { ok: false; code: MachineStopCode; message: string };

/** The pin a gate's `request` part must set, e.g. `sg1_request_sha256`. */
export function requestPinOf(gate: GateName): PinName {
  return gate === 'SG1' ? 'sg1_request_sha256' : 'sg2_request_sha256';
}

/** The pin a gate's approving `decide` part must set, e.g. `sg1_approval_sha256`. */
export function approvalPinOf(gate: GateName): PinName {
  return gate === 'SG1' ? 'sg1_approval_sha256' : 'sg2_approval_sha256';
}

/**
 * Checks `output` of `part` of `step` against `context`.
 *
 * Rules, in order:
 * - shape (zod): unknown fields or malformed values → `STOP_INTERNAL` (a bug in the actor);
 * - `run`: `upload` is required and `keys` may only hold `keys[step]`, which must be set
 *   (here or already in context); `request`: `upload` and the request pin, equal to the
 *   upload's sha256 (DESIGN §6 binds approvals to the uploaded bytes); `decide`: `deny` →
 *   `STOP_SG_DENIED`, `approve` needs the approval pin;
 * - a pin, key or upload that is already recorded with another value → `STOP_DRIFT`
 *   (a persisted key is never re-derived, DESIGN §5; a KB file is never rewritten, DESIGN §3).
 *
 * Never throws.
 */
export function checkPhaseOutput(step: StepName, part: StepPart, context: CutContext, output: unknown): OutputVerdict {
  const internal = (message: string): OutputVerdict => ({
    ok: false,
    code: 'STOP_INTERNAL',
    message: `${step} ${part} returned a malformed output: ${message}`,
  });
  let patch: PhaseOutput;
  let decision: GateDecisionOutput | undefined;
  if (part === 'decide') {
    const r = gateDecisionOutputSchema.safeParse(output);
    if (!r.success) return internal(formatIssues(r.error));
    if (!isGate(step)) return internal('decide is a gate part');
    decision = r.data as GateDecisionOutput;
    patch = decision.verdict === 'approved' && decision.accepted !== null ? { pins: { [approvalPinOf(step)]: decision.accepted.sha256 } } : {};
  } else {
    const r = phaseOutputSchema.safeParse(output);
    if (!r.success) return internal(formatIssues(r.error));
    patch = r.data as PhaseOutput;
    if (patch.upload === undefined) return internal('no upload: a step advances only after its report upload (DESIGN §1)');
    const foreignKeys = Object.keys(patch.keys ?? {}).filter((k) => k !== step);
    if (foreignKeys.length > 0) return internal(`keys of other phases: ${foreignKeys.join(', ')}`);
    if (part === 'run' && isGate(step)) return internal('a gate has no run part');
    const ownKey = (keys: Record<string, string | undefined> | undefined) => keys?.[step];
    if (part === 'run' && ownKey(patch.keys) === undefined && ownKey(context.keys) === undefined) {
      return internal(`no keys.${step} (reference §4)`);
    }
    if (part === 'request') {
      if (!isGate(step)) return internal('request is a gate part');
      const pin = patch.pins?.[requestPinOf(step)];
      if (pin === undefined) return internal(`no pins.${requestPinOf(step)}`);
      if (pin !== patch.upload.sha256) return internal(`pins.${requestPinOf(step)} differs from the uploaded request's sha256`);
    }
  }
  const conflict = findConflict(step, context, patch);
  if (conflict !== null) return { ok: false, code: 'STOP_DRIFT', message: conflict };
  return decision === undefined ? { ok: true, patch } : { ok: true, patch, decision };
}

function findConflict(step: StepName, context: CutContext, patch: PhaseOutput): string | null {
  const pinned: Record<string, string | undefined> = context.pins;
  for (const [name, value] of Object.entries(patch.pins ?? {})) {
    const old = pinned[name];
    if (old !== undefined && old !== value) return `${step} re-derived pin ${name} with another value; a pinned value is never re-derived (DESIGN §5)`;
  }
  const keys: Record<string, string | undefined> = context.keys;
  for (const [name, value] of Object.entries(patch.keys ?? {})) {
    const old = keys[name];
    if (old !== undefined && old !== value) return `${step} re-derived key ${name} with another value; a persisted key is never re-derived (DESIGN §5)`;
  }
  const old = context.uploads[step];
  if (old !== undefined && patch.upload !== undefined && (old.path !== patch.upload.path || old.sha256 !== patch.upload.sha256)) {
    return `${step} uploaded a different report than the recorded one; a KB file is never rewritten (DESIGN §3)`;
  }
  return null;
}

function formatIssues(error: Parameters<typeof toIssues>[0]): string {
  return toIssues(error)
    .map((i) => `${i.path}: ${i.message}`)
    .join('; ');
}
