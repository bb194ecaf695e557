/**
 * `document.yaml` of a law in the KB (DESIGN §3): `knowledge/dev/laws/<law-id>/document.yaml`.
 */
import { z } from 'zod';
import { DOC_PREFIX_PATTERN, LAW_ID_PATTERN, lawIdFor } from './lawIdFor.js';

/** A plain file name beside document.yaml (no directory part). */
const fileName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a plain file name beside document.yaml').refine((f) => f !== 'document.yaml', 'cannot be document.yaml');

/** Schema of document.yaml. `vocab` is a shipped vocabulary name, a path relative to document.yaml, or an inline vocabulary. */
export const documentSchema = z
  .strictObject({
    law_id: z.string().regex(LAW_ID_PATTERN, 'lowercase slug, e.g. us-const'),
    doc_prefix: z.string().regex(DOC_PREFIX_PATTERN, 'letters, digits, . _ - (no /)'),
    title: z.string().min(1),
    source: fileName,
    vocab: z.union([z.string().min(1), z.record(z.string(), z.unknown())]),
  })
  .refine((d) => d.law_id === lawIdFor(d.doc_prefix), { message: 'law_id must be the lowercase slug of doc_prefix', path: ['law_id'] });

/** A validated document.yaml. */
export type DocumentYaml = z.output<typeof documentSchema>;

/** Where document.yaml of a law lives, relative to the KB root (DESIGN §3). */
export function documentDir(lawId: string): string {
  return `knowledge/dev/laws/${lawId}`;
}
