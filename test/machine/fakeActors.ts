/**
 * Fake phase actors for machine tests: they record every call as `<src>:<step>` and resolve with
 * deterministic, well-formed outputs derived from run_id and step (so a re-run adopts the same
 * values, as the real actors must). Any src can be overridden with a behaviour function.
 */
import { createHash } from 'node:crypto';
import { fromPromise } from 'xstate';
import type { CutActors } from '../../machines/phases.js';
import { PHASE_NAMES } from '../../machines/steps.js';
import type { PhaseName } from '../../machines/steps.js';
import type { GateDecisionOutput, PhaseActorInput, PhaseOutput, PinName } from '../../machines/types.js';

/** sha256 hex of a string. */
export function sha(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A UUIDv7-shaped id derived from a string (deterministic, unlike a real UUIDv7). */
export function fakeUuid(text: string): string {
  const h = sha(text);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-7${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The pin each phase sets (reference §4, §6). */
export const PIN_OF_PHASE: Record<PhaseName, PinName> = {
  source_pin: 'manifest_digest',
  mark: 'region_sha',
  cutplan: 'writer_digest',
  backup: 'backup_sha',
  grant_probe: 'grant_probe_sha',
  cut_leg_a: 'change_set_id',
  structural_verify: 'structural_verify_payload_sha',
  leg_b_record: 'manifest_envelope_id',
  write_verify: 'verify_result_id',
  lifecycle_enact: 'review_decision_id',
  closeout: 'final_report_sha',
};

const UUID_PINS: readonly PinName[] = ['change_set_id', 'manifest_envelope_id', 'verify_result_id', 'review_decision_id'];

/** The output a well-behaved phase returns for `run_id`. */
export function phaseOutputFor(runId: string, step: PhaseName): PhaseOutput {
  const pin = PIN_OF_PHASE[step];
  const value = UUID_PINS.includes(pin) ? fakeUuid(`${runId}/${step}`) : sha(`${runId}/${step}/pin`);
  const key = UUID_PINS.includes(pin) ? value : sha(`${runId}/${step}/key`);
  return {
    pins: { [pin]: value },
    keys: { [step]: key },
    upload: { path: `knowledge/dev/laws/us-const/run/${step}.md`, sha256: sha(`${runId}/${step}/report`), commit: sha(`${runId}/${step}/commit`).slice(0, 40) },
  };
}

/** The output a well-behaved gate request actor returns. */
export function requestOutputFor(runId: string, gate: 'SG1' | 'SG2'): PhaseOutput {
  const doc = sha(`${runId}/${gate}/request`);
  return {
    pins: gate === 'SG1' ? { sg1_request_sha256: doc } : { sg2_request_sha256: doc },
    upload: { path: `knowledge/dev/laws/us-const/run/${gate}-request.md`, sha256: doc, commit: sha(`${runId}/${gate}/commit`).slice(0, 40) },
  };
}

const AT = '2026-05-20T12:00:00.000Z';

/** A decided gate: an accepted approve (or deny) signed by a fake sovereign. */
export function approvalFor(runId: string, gate: 'SG1' | 'SG2', decision: 'approve' | 'deny' = 'approve'): GateDecisionOutput {
  const accepted = { name: `${gate}-approval.md`, sha256: sha(`${runId}/${gate}/approval`), signer_fingerprint: sha('sovereign').slice(0, 40), decision, signed_at: AT };
  return { verdict: decision === 'approve' ? 'approved' : 'denied', accepted, refused: [], since: AT, at: AT };
}

/** No approval file yet: the gate waits. */
export function pendingFor(): GateDecisionOutput {
  return { verdict: 'pending', accepted: null, refused: [], since: AT, at: AT };
}

/** Only refused approval files: the gate waits, reporting them. */
export function invalidFor(runId: string, gate: 'SG1' | 'SG2'): GateDecisionOutput {
  return { verdict: 'invalid', accepted: null, refused: [{ name: `${gate}-approval.md`, sha256: sha(`${runId}/${gate}/bad`), reason: 'unsigned', message: 'no signed block' }], since: AT, at: AT };
}

/** Replaces the default behaviour of one src; receives the actor input. */
export type Behaviour = (input: PhaseActorInput) => Promise<unknown>;

/** A promise rejected with a plain `{ code, message }` stop, as a phase would throw. */
export function rejectWith(code: string, message = code): Promise<never> {
  return Promise.reject(Object.assign(new Error(message), { code }));
}

/**
 * Builds a full actor set. `calls` receives `<src>:<step>` at every invocation; `behaviours`
 * overrides any src (by src name).
 */
export function fakeActors(calls: string[], behaviours: Partial<Record<keyof CutActors, Behaviour>> = {}): CutActors {
  function make<T>(src: keyof CutActors, fallback: (input: PhaseActorInput) => T) {
    return fromPromise<T, PhaseActorInput>(async ({ input }) => {
      calls.push(`${src}:${input.step}`);
      const b = behaviours[src];
      return b === undefined ? fallback(input) : ((await b(input)) as T);
    });
  }
  const phases = Object.fromEntries(PHASE_NAMES.map((p) => [p, make(p, (i) => phaseOutputFor(i.context.run_id, p))]));
  return {
    internalGate: make<unknown>('internalGate', () => undefined),
    ...(phases as Record<PhaseName, ReturnType<typeof make<PhaseOutput>>>),
    SG1_request: make('SG1_request', (i) => requestOutputFor(i.context.run_id, 'SG1')),
    SG2_request: make('SG2_request', (i) => requestOutputFor(i.context.run_id, 'SG2')),
    SG1_decide: make('SG1_decide', (i) => approvalFor(i.context.run_id, 'SG1')),
    SG2_decide: make('SG2_decide', (i) => approvalFor(i.context.run_id, 'SG2')),
  };
}
