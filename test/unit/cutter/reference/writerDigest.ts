// Test oracle: src/cutter/writerDigest.ts as of commit 220c896, before the issue 3 performance work,
// unchanged except import paths. equivalence.test.ts compares the optimised cutter against it.
/**
 * `writer_digest` (reference §6, DESIGN §4 phase 3): the digest cut_leg_a re-asserts before writing.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { IuRow } from '../../../../src/cutter/iuRow.js';

/** The fields of a row the writer digest covers (reference §6 "scope"). */
export type WriterDigestRow = Pick<IuRow, 'canonical_address' | 'unit_kind' | 'section_type' | 'content_hash' | 'idempotency_key'>;

/**
 * sha256 hex of the RFC 8785 canonical JSON of the rowset sorted by `canonical_address` ascending
 * (plain code-unit order, as PostgreSQL `COLLATE "C"` sorts), each row reduced to
 * {canonical_address, unit_kind, section_type, content_hash, idempotency_key}.
 *
 * @param units - rows from `planCut` or read back from the DB, in any order
 */
export function writerDigest(units: readonly WriterDigestRow[]): string {
  const rows = units
    .map((u) => ({
      canonical_address: u.canonical_address,
      unit_kind: u.unit_kind,
      section_type: u.section_type,
      content_hash: u.content_hash,
      idempotency_key: u.idempotency_key,
    }))
    .sort((a, b) => (a.canonical_address < b.canonical_address ? -1 : a.canonical_address > b.canonical_address ? 1 : 0));
  return createHash('sha256').update(canonicalize(rows) as string, 'utf8').digest('hex');
}
