/**
 * The fields an approval binds (DESIGN §6): YAML front matter of a cleartext-signed markdown file.
 */
import { z } from 'zod';

/** Front matter of an approval. `reason` is free text (why approve / deny), may span lines. */
export const ApprovalFieldsSchema = z.strictObject({
  gate: z.enum(['SG1', 'SG2']),
  run_id: z.uuid({ message: 'must be a UUID' }),
  request_sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex: sha256 of the uploaded request document'),
  decision: z.enum(['approve', 'deny']),
  reason: z.string().trim().min(1, 'must say why'),
});

/** The fields of one approval. */
export type ApprovalFields = z.infer<typeof ApprovalFieldsSchema>;

/** Front-matter keys in the order they are written. */
export const APPROVAL_FIELD_ORDER = ['gate', 'run_id', 'request_sha256', 'decision', 'reason'] as const satisfies readonly (keyof ApprovalFields)[];
