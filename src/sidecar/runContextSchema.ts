/**
 * The RunContext: a run's local state, persisted as `sidecars/<run_id>.json` (DESIGN §2, §5;
 * reference §4, §6). zod 4 schema, `schema_version: 1`.
 *
 * Every object is strict (unknown fields are refused), so a typo or a field written by a newer
 * orchestrator is reported instead of silently dropped on the next write.
 */
import { z } from 'zod';
import { APPROVAL_REFUSALS } from '../approval/approvalRefusal.js';
import { STOP_CODES } from '../errors.js';
import type { Gate } from './phases.js';

/** 64 lowercase hex: a sha256 digest. */
export const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex (sha256)');

/** A git commit id: 40 lowercase hex (sha1 repos) or 64 (sha256 repos). */
export const GitCommit = z.string().regex(/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/, 'must be a git commit id (40 or 64 lowercase hex)');

/** law-id: lowercase slug (DESIGN §2), e.g. `us-const`, `eu-gdpr`. */
export const LawId = z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be a lowercase slug like us-const');

/** A KB-relative path: forward slashes, no leading slash, no empty, `.` or `..` segment. */
export const KbRelativePath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/') && p.split('/').every((s) => s !== '' && s !== '.' && s !== '..') && !p.includes('\\'), {
    message: 'must be a KB-relative path (no leading /, no . or .. or empty segments, no backslash)',
  });

/** ISO 8601 UTC timestamp with `Z`. */
export const IsoUtc = z.iso.datetime({ message: 'must be an ISO 8601 UTC timestamp (…Z)' });

const nullableSha = Sha256Hex.nullable().optional();
const nullableUuid = z.uuid().nullable().optional();

/** Digests and ids pinned by the phases (reference §6); each absent or null until its phase sets it. */
export const ContextPinsSchema = z.strictObject({
  manifest_digest: nullableSha,
  region_sha: nullableSha,
  writer_digest: nullableSha,
  backup_sha: nullableSha,
  grant_probe_sha: nullableSha,
  change_set_id: nullableUuid,
  manifest_envelope_id: nullableUuid,
  verify_result_id: nullableUuid,
  review_decision_id: nullableUuid,
  structural_verify_payload_sha: nullableSha,
  final_report_sha: nullableSha,
});

/**
 * Phase idempotency keys (reference §4), keyed by phase name; absent or null until the phase
 * persisted it. sha256 phases hold 64 hex, row-id phases a UUID. Whether they chain is checked
 * by `verifyKeyChain`, not here.
 */
export const PhaseKeysSchema = z.strictObject({
  source_pin: nullableSha,
  mark: nullableSha,
  cutplan: nullableSha,
  backup: nullableSha,
  grant_probe: nullableSha,
  cut_leg_a: nullableUuid,
  structural_verify: nullableSha,
  leg_b_record: nullableUuid,
  write_verify: nullableUuid,
  lifecycle_enact: nullableUuid,
  closeout: nullableSha,
});

/** One document the run uploaded to the KB (DESIGN §3): file name, KB path, sha256 of its bytes, commit. */
export const UploadSchema = z.strictObject({
  name: z.string().min(1),
  path: KbRelativePath,
  sha256: Sha256Hex,
  commit: GitCommit,
});

/** The approval that opened a gate (DESIGN §6). `signer_fingerprint` is lowercase hex (40 for v4 keys, 64 for v6). */
export const AcceptedApprovalSchema = z.strictObject({
  name: z.string().min(1),
  sha256: Sha256Hex,
  signer_fingerprint: z.string().regex(/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/, 'must be a lowercase hex OpenPGP fingerprint'),
  decision: z.enum(['approve', 'deny']),
  signed_at: IsoUtc,
});

/** An approval file that was considered and refused, with the reason code of `verifyApproval`. */
export const RefusedApprovalSchema = z.strictObject({
  name: z.string().min(1),
  sha256: Sha256Hex,
  reason: z.enum(APPROVAL_REFUSALS),
  message: z.string(),
});

/** Per gate: the accepted approval (null while waiting) and every refused file (DESIGN §6). */
export const GateApprovalsSchema = z.strictObject({
  accepted: AcceptedApprovalSchema.nullable(),
  refused: z.array(RefusedApprovalSchema),
});

/**
 * Run states:
 * - `running` — a phase is executing (or the process died while it was: resume it);
 * - `awaiting_sg1` / `awaiting_sg2` — paused at a gate until a valid approval is found (exit 10);
 * - `stopped` — stopped with a DESIGN §8 code (see `stop`); resumable once the cause is fixed;
 * - `done` — closeout finished; a later `cut` of the same source version is an idempotent replay;
 * - `voided` — a sovereign voided the run (DESIGN §5); it no longer blocks a new cut.
 */
export const RUN_STATES = ['running', 'awaiting_sg1', 'awaiting_sg2', 'stopped', 'done', 'voided'] as const;

/** One of {@link RUN_STATES}. */
export type RunState = (typeof RUN_STATES)[number];

/** Why and when the run stopped; `code` is a DESIGN §8 stop code. `detail` must hold no secret. */
export const StopSchema = z.strictObject({
  code: z.enum(STOP_CODES),
  at: IsoUtc,
  detail: z.string(),
});

/**
 * The RunContext persisted as `sidecars/<run_id>.json` (DESIGN §2).
 *
 * Cross-field rules: `law_id` equals `document_id` (DESIGN §2: `--document-id` takes the law-id),
 * and `kb_folder` is the run folder of DESIGN §3,
 * `knowledge/dev/laws/<law_id>/v<first 16 hex of source_version_id>-automation-cut-<YYYYMMDD>[-<HHMM>]`.
 */
export const RunContextSchema = z.strictObject({
  schema_version: z.literal(1),
  run_id: z.uuidv7({ message: 'must be a UUIDv7' }),
  document_id: LawId,
  law_id: LawId,
  doc_prefix: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must be a document prefix like US-CONST'),
  source_version_id: Sha256Hex,
  kb_folder: KbRelativePath,
  context_pins: ContextPinsSchema,
  keys: PhaseKeysSchema,
  uploads: z.array(UploadSchema),
  approvals: z.strictObject({ SG1: GateApprovalsSchema, SG2: GateApprovalsSchema } satisfies Record<Gate, typeof GateApprovalsSchema>),
  state: z.enum(RUN_STATES),
  stop: StopSchema.nullable(),
  snapshot: z.unknown(),
  snapshot_version: z.number().int().nonnegative(),
  created_at: IsoUtc,
  updated_at: IsoUtc,
  actor: z.string().regex(/^[^@\s]+@[^@\s]+$/, 'must be user@host'),
}).superRefine((ctx, issues) => {
  // zod may run this on data that already has issues: only judge well-typed identities
  if (typeof ctx.law_id !== 'string' || typeof ctx.source_version_id !== 'string' || typeof ctx.kb_folder !== 'string') return;
  if (ctx.law_id !== ctx.document_id) {
    issues.addIssue({ code: 'custom', path: ['law_id'], message: `must equal document_id (${ctx.document_id})` });
  }
  const folder = new RegExp(`^knowledge/dev/laws/${ctx.law_id}/v${ctx.source_version_id.slice(0, 16)}-automation-cut-\\d{8}(?:-\\d{4})?$`);
  if (!folder.test(ctx.kb_folder)) {
    issues.addIssue({
      code: 'custom',
      path: ['kb_folder'],
      message: `must be knowledge/dev/laws/${ctx.law_id}/v${ctx.source_version_id.slice(0, 16)}-automation-cut-<YYYYMMDD>[-<HHMM>] (DESIGN §3)`,
    });
  }
});

/** A validated RunContext. */
export type RunContext = z.infer<typeof RunContextSchema>;
/** The pinned digests and ids of a run. */
export type ContextPins = z.infer<typeof ContextPinsSchema>;
/** The persisted phase keys of a run. */
export type PhaseKeys = z.infer<typeof PhaseKeysSchema>;
/** One uploaded KB document. */
export type Upload = z.infer<typeof UploadSchema>;
/** The approval accepted at a gate. */
export type AcceptedApproval = z.infer<typeof AcceptedApprovalSchema>;
/** An approval file refused at a gate. */
export type RefusedApproval = z.infer<typeof RefusedApprovalSchema>;
/** A stop record. */
export type RunStop = z.infer<typeof StopSchema>;
