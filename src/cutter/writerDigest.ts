/**
 * `writer_digest` (reference §6, DESIGN §4 phase 3): the digest cut_leg_a re-asserts before writing.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { IuRow } from './iuRow.js';

/** The fields of a row the writer digest covers (reference §6 "scope"). */
export type WriterDigestRow = Pick<IuRow, 'canonical_address' | 'unit_kind' | 'section_type' | 'content_hash' | 'idempotency_key'>;

/** Characters of canonical JSON gathered before they are fed to the hash (fewer native calls). */
const CHUNK_CHARS = 1 << 16;

/**
 * sha256 hex of the RFC 8785 canonical JSON of the rowset sorted by `canonical_address` ascending
 * (plain code-unit order, as PostgreSQL `COLLATE "C"` sorts), each row reduced to
 * {canonical_address, unit_kind, section_type, content_hash, idempotency_key}.
 *
 * The canonical JSON of an array is `[` + its elements' canonical JSON joined by `,` + `]`
 * (RFC 8785 §3.2.1; `canonicalize` builds it exactly so), so each row is canonicalized on its own
 * and the text is streamed into the hash in chunks: the bytes hashed are exactly
 * `canonicalize(sortedRows)`, without ever holding that string (issue 3 performance).
 *
 * @param units - rows from `planCut` or read back from the DB, in any order
 * @throws Error from `canonicalize` when a field holds a lone surrogate (as the whole-array form would)
 */
export function writerDigest(units: readonly WriterDigestRow[]): string {
  const sorted = units.slice().sort((a, b) => (a.canonical_address < b.canonical_address ? -1 : a.canonical_address > b.canonical_address ? 1 : 0));
  const hash = createHash('sha256');
  let chunk = '[';
  for (let i = 0; i < sorted.length; i++) {
    const u = sorted[i] as WriterDigestRow;
    const row = canonicalize({
      canonical_address: u.canonical_address,
      unit_kind: u.unit_kind,
      section_type: u.section_type,
      content_hash: u.content_hash,
      idempotency_key: u.idempotency_key,
    }) as string;
    chunk = i === 0 ? chunk + row : `${chunk},${row}`;
    if (chunk.length >= CHUNK_CHARS) {
      hash.update(chunk, 'utf8');
      chunk = '';
    }
  }
  return hash.update(`${chunk}]`, 'utf8').digest('hex');
}
