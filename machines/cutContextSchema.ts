/**
 * zod schemas of the machine's persisted context and of what actors return (machines/types.ts).
 *
 * Used where data crosses a trust boundary: a snapshot read back from the sidecar
 * (`isCompatibleSnapshot`) and an actor's output before it is pinned (`checkPhaseOutput`).
 */
import { z } from 'zod';
import { APPROVAL_REFUSALS } from '../src/approval/approvalRefusal.js';
import { STOP_CODES } from '../src/errors.js';
import { GATE_NAMES, STEP_NAMES, STEPS, type PhaseName } from './steps.js';
import { PIN_NAMES } from './types.js';
import type { CutContext, PinName } from './types.js';

const nonEmpty = z.string().min(1);
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits (sha256)');
const stepName = z.enum(STEP_NAMES as [string, ...string[]]);

const uuid = z.uuid({ message: 'must be a UUID' });

/** Pins that are database row ids (UUIDv7); every other pin is a sha256. */
const ID_PINS: readonly PinName[] = ['change_set_id', 'manifest_envelope_id', 'verify_result_id', 'review_decision_id'];

/** Pins: only known names; ids are UUIDs, digests 64 lowercase hex. */
export const pinsSchema = z.strictObject(Object.fromEntries(PIN_NAMES.map((p) => [p, (ID_PINS.includes(p) ? uuid : sha256Hex).optional()])) as Record<PinName, z.ZodOptional<z.ZodString>>);

/** Keys: only phase names (reference §4); a row-id phase's key is a UUID, any other a sha256. */
export const keysSchema = z.strictObject(Object.fromEntries(STEPS.flatMap((s) => (s.key === null ? [] : [[s.name, (s.key === 'uuid' ? uuid : sha256Hex).optional()]]))) as Record<PhaseName, z.ZodOptional<z.ZodString>>);

/** One KB upload: path, sha256 of its bytes, commit hash. */
export const uploadRecordSchema = z.strictObject({ path: nonEmpty, sha256: sha256Hex, commit: nonEmpty });

/** A phase actor's (or gate request actor's) output. */
export const phaseOutputSchema = z.strictObject({
  pins: pinsSchema.optional(),
  keys: keysSchema.optional(),
  upload: uploadRecordSchema.optional(),
});

const isoTime = z.iso.datetime({ message: 'must be an ISO 8601 UTC timestamp (…Z)' });
const fingerprint = z.string().regex(/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/, 'must be a lowercase hex OpenPGP fingerprint');

/** The approval that decided a gate (DESIGN §6). */
export const acceptedApprovalSchema = z.strictObject({
  name: nonEmpty,
  sha256: sha256Hex,
  signer_fingerprint: fingerprint,
  decision: z.enum(['approve', 'deny']),
  signed_at: isoTime,
  reason: z.string().optional(),
});

/** An approval file that was considered and refused, with its reason code. */
export const refusedApprovalSchema = z.strictObject({
  name: nonEmpty,
  sha256: sha256Hex,
  reason: z.enum(APPROVAL_REFUSALS),
  message: z.string(),
});

const gateVerdict = z.enum(['approved', 'denied', 'pending', 'invalid']);

/** A gate's record in the context (machines/types.ts GateRecord). */
export const gateRecordSchema = z.strictObject({
  verdict: gateVerdict.nullable(),
  accepted: acceptedApprovalSchema.nullable(),
  refused: z.array(refusedApprovalSchema),
  since: isoTime.nullable(),
});

/** A gate decide actor's output; `approved`/`denied` need the deciding approval with that decision. */
export const gateDecisionOutputSchema = z
  .strictObject({
    verdict: gateVerdict,
    accepted: acceptedApprovalSchema.nullable(),
    refused: z.array(refusedApprovalSchema),
    since: isoTime,
    at: isoTime,
  })
  .refine((d) => (d.verdict === 'approved' ? d.accepted?.decision === 'approve' : d.verdict === 'denied' ? d.accepted?.decision === 'deny' : d.accepted === null), {
    message: 'approved needs an accepted approve, denied an accepted deny, pending/invalid no accepted approval',
    path: ['accepted'],
  })
  .refine((d) => d.verdict !== 'invalid' || d.refused.length > 0, { message: 'invalid needs at least one refused file', path: ['refused'] });

/** A recorded stop (DESIGN §8 code or `STOP_INTERNAL`). */
export const cutStopSchema = z.strictObject({
  code: z.enum([...STOP_CODES, 'STOP_INTERNAL']),
  message: z.string(),
  step: stepName,
  at: z.string(),
  detail: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
});

/** The whole persisted context; `completed` must be a prefix of the step order. */
export const cutContextSchema = z
  .strictObject({
    snapshot_version: z.number().int(),
    run_id: nonEmpty,
    document_id: nonEmpty,
    pins: pinsSchema,
    keys: keysSchema,
    uploads: z.partialRecord(stepName, uploadRecordSchema),
    stop: cutStopSchema.nullable(),
    completed: z.array(stepName),
    approvals: z.strictObject(Object.fromEntries(GATE_NAMES.map((g) => [g, gateRecordSchema])) as { SG1: typeof gateRecordSchema; SG2: typeof gateRecordSchema }),
  })
  .refine((c) => c.completed.every((s, i) => STEP_NAMES[i] === s), {
    message: 'completed must list steps in DESIGN §4 order from source_pin, without gaps',
    path: ['completed'],
  });

/** A zod issue flattened to `dot.path: message` (STYLE: errors as data). */
export interface SchemaIssue {
  path: string;
  message: string;
}

/**
 * Validates an unknown value as a {@link CutContext}.
 *
 * @returns the context, or every issue as `{ path, message }`; never throws.
 */
export function parseCutContext(value: unknown): { ok: true; context: CutContext } | { ok: false; issues: SchemaIssue[] } {
  const r = cutContextSchema.safeParse(value);
  if (r.success) return { ok: true, context: r.data as CutContext };
  return { ok: false, issues: toIssues(r.error) };
}

/** Flattens a zod error to `{ path, message }` entries. */
export function toIssues(error: z.ZodError): SchemaIssue[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
}
