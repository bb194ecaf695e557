/**
 * One information unit as planned by CUTPLAN: field names map 1:1 to the columns of `cutter.iu`
 * (issue 3 item 4, DESIGN §2 "IU").
 */

/** A row of the IU rowset, in document order. All hashes are lowercase sha256 hex. */
export interface IuRow {
  /** `<DOC_PREFIX>/<eId>`, eId in Akoma Ntoso style (`art_1__sec_8__para_3`). Unique per document. */
  canonical_address: string;
  /** The document's law-id (`us-const`). */
  document_id: string;
  /** sha256 hex of the source bytes. */
  source_version_id: string;
  /** preamble, recital, chapter, section, article, paragraph, point, amendment, … (from the vocabulary). */
  unit_kind: string;
  /** preamble, recital, body, amendment, final_provisions or attestation. */
  section_type: string;
  /** Address of the parent unit; null for roots. */
  parent_address: string | null;
  /** 1-based position among the parent's children (or among the roots). */
  ordinal: number;
  /** The unit's title line, when its level has one; otherwise null. */
  heading: string | null;
  /** The unit's own text (its heading, title and text, children and excluded spans not included), exact. */
  text: string;
  /** sha256 hex of `text` as UTF-8. */
  content_hash: string;
  /** sha256 hex of `source_version_id ‖ canonical_address ‖ content_hash` (plain string concatenation). */
  idempotency_key: string;
}
