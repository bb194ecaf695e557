/**
 * The fields a sovereign void binds (DESIGN §5 "a sovereign voids the change set (signed void
 * document)"): YAML front matter of a cleartext-signed markdown file `VOID-<YYYYMMDD>.md` in the
 * run's KB folder.
 */
import { z } from 'zod';

/**
 * Front matter of a void document. `change_set_id` is null when leg A never wrote a change set
 * (the void then only frees the document for a new run, DESIGN §5 layer 1).
 */
export const VoidFieldsSchema = z.strictObject({
  action: z.literal('void'),
  run_id: z.uuid({ message: 'must be a UUID' }),
  change_set_id: z.uuid({ message: 'must be a UUID or null' }).nullable(),
  document_id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be a law-id slug'),
  source_version_id: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex (sha256 of the source)'),
  reason: z.string().trim().min(1, 'must say why'),
});

/** The fields of one void document. */
export type VoidFields = z.infer<typeof VoidFieldsSchema>;

/** Front-matter keys in the order they are written. */
export const VOID_FIELD_ORDER = ['action', 'run_id', 'change_set_id', 'document_id', 'source_version_id', 'reason'] as const satisfies readonly (keyof VoidFields)[];
