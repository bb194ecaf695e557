/**
 * `manifest_digest` (DESIGN §4 phase 1, reference §6): pins the source version envelope.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { Vocab } from './vocabSchema.js';

/** The envelope the manifest digest covers. `region` offsets are UTF-8 bytes into the source. */
export interface ManifestInput {
  document_id: string;
  source_version_id: string;
  region: { start: number; end: number };
  /** The validated vocabulary object (defaults filled in), not its file bytes. */
  vocab: Vocab;
}

/**
 * sha256 hex of the RFC 8785 canonical JSON of `{ document_id, source_version_id, region: {start,
 * end}, vocab }`. Key order and YAML formatting of the vocabulary do not matter; its content does.
 */
export function manifestDigest(input: ManifestInput): string {
  const envelope = {
    document_id: input.document_id,
    source_version_id: input.source_version_id,
    region: { start: input.region.start, end: input.region.end },
    vocab: input.vocab,
  };
  return createHash('sha256').update(canonicalize(envelope) as string, 'utf8').digest('hex');
}
