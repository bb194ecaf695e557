/**
 * The sidecar: a run's local state, persisted as `sidecars/<run_id>.json` (DESIGN §2, §5;
 * reference §4, §6). zod 4 schema, `schema_version: 2` (schema 1 is migrated on read, parseSidecar).
 *
 * Every object is strict (unknown fields are refused), so a typo or a field written by a newer
 * orchestrator is reported instead of silently dropped on the next write.
 */
import { z } from 'zod';

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

/**
 * A sovereign's void of the run (DESIGN §5): recorded beside the snapshot because it is not a
 * transition of the machine (machines/runView.ts VoidRecord).
 */
export const VoidRecordSchema = z.strictObject({
  at: IsoUtc,
  void_document: KbRelativePath.nullable(),
  change_set_void_id: z.uuid().nullable(),
});

/**
 * The sidecar `sidecars/<run_id>.json` (DESIGN §2), schema 2: the run's identity and its persisted
 * machine snapshot — one copy of run state. Pins, keys, uploads, approvals, state and stop are
 * read from the snapshot through `runView` (machines/runView.ts), never stored twice.
 *
 * `snapshot` is `actor.getPersistedSnapshot()` after the last transition, or null before the
 * machine first moved (a run created and killed at once is resumed from the start); `parseSidecar`
 * checks its context against the machine's schema.
 *
 * Cross-field rules: `law_id` equals `document_id` (DESIGN §2: `--document-id` takes the law-id),
 * and `kb_folder` is the run folder of DESIGN §3,
 * `knowledge/dev/laws/<law_id>/v<first 16 hex of source_version_id>-automation-cut-<YYYYMMDD>[-<HHMM>]`.
 */
export const SidecarSchema = z.strictObject({
  schema_version: z.literal(2),
  run_id: z.uuidv7({ message: 'must be a UUIDv7' }),
  document_id: LawId,
  law_id: LawId,
  doc_prefix: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must be a document prefix like US-CONST'),
  source_version_id: Sha256Hex,
  kb_folder: KbRelativePath,
  actor: z.string().regex(/^[^@\s]+@[^@\s]+$/, 'must be user@host'),
  created_at: IsoUtc,
  updated_at: IsoUtc,
  voided: VoidRecordSchema.nullable(),
  snapshot: z.unknown(),
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

/** A validated sidecar (schema 2). */
export type Sidecar = z.infer<typeof SidecarSchema> & { snapshot: unknown };
