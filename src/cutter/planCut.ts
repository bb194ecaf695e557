/**
 * CUTPLAN (phase 3, DESIGN §4): turns a marked region into the IU rowset, in document order.
 */
import { createHash, hash } from 'node:crypto';
import { InputError } from '../errors.js';
import { buildUnitTree } from './buildUnitTree.js';
import { compileVocab } from './compileVocab.js';
import type { IuRow } from './iuRow.js';
import { lineTable } from './lineTable.js';
import type { Mark } from './markRegion.js';
import type { Vocab } from './vocabSchema.js';

/** Identity of the cut: which document and which source version the rows belong to. */
export interface PlanIdentity {
  /** The law-id (`us-const`); goes into `document_id`. */
  documentId: string;
  /** The address prefix (`US-CONST`); addresses are `<docPrefix>/<eId>`. */
  docPrefix: string;
  /** sha256 hex of the source bytes. */
  sourceVersionId: string;
}

/**
 * Plans the cut. Pure and deterministic: the same mark, vocabulary and identity give the same rows.
 *
 * Every unit's `text` runs from its first line to the first line of the next unit in document order,
 * minus excluded spans, so the texts of all rows in order plus the excluded spans re-assemble the
 * region byte for byte (`checkLossless`).
 *
 * @param mark - result of `markRegion` on the same vocabulary
 * @param vocab - the validated vocabulary
 * @param id - document id, doc prefix and source version id
 * @returns the rows in document order (pre-order: a parent before its children)
 * @throws InputError `{ file, line, offset }` on a number out of sequence or repeated, a duplicate
 *   address, text outside any unit, or a vocabulary that matches no heading (issue 3 item 6); no
 *   partial plan is ever returned
 */
export function planCut(mark: Mark, vocab: Vocab, id: PlanIdentity): IuRow[] {
  const text = mark.text;
  const ascii = mark.end - mark.start === text.length;
  // Units are hashed from byte ranges of the region's UTF-8 bytes, never by re-encoding their text
  // (issue 3 performance): MARK's view of the source, or `text` encoded once.
  const bytes = mark.bytes ?? Buffer.from(text, 'utf8');
  if (bytes.length !== mark.end - mark.start) throw new Error(`mark of ${mark.file}: ${bytes.length} region bytes for the span ${mark.start}..${mark.end}`);
  const lines = lineTable(text, ascii ? true : bytes);
  const excludedLine = new Uint8Array(lines.count);
  // Excluded spans as line ranges [from, to): every span covers whole lines (MARK).
  const excludedLines: number[] = [];
  let li = 0;
  for (const span of mark.excluded) {
    while (li < lines.count && (lines.byteStart[li] as number) < span.offset) li++;
    if (lines.byteStart[li] !== span.offset) {
      throw new InputError(`excluded span at offset ${span.offset} does not start a line of the region`, { file: mark.file, offset: mark.start + span.offset });
    }
    const from = li;
    while (li < lines.count && (lines.byteStart[li] as number) < span.offset + span.length) excludedLine[li++] = 1;
    excludedLines.push(from, li);
  }
  const where = (line: number): { file: string; line: number; offset: number } => ({
    file: mark.file,
    line: mark.startLine + line,
    offset: mark.start + (lines.byteStart[line] as number),
  });

  const nodes = buildUnitTree({ text, lines, excludedLine, where, addressPrefix: `${id.docPrefix}/` }, compileVocab(vocab));
  const order = nodes.map((_, i) => i).sort((a, b) => (nodes[a]?.startChar as number) - (nodes[b]?.startChar as number));
  // Ordinals per parent, indexed by parent + 1 (roots have parent -1).
  const ordinals = new Uint32Array(nodes.length + 1);
  const rows: IuRow[] = [];
  const exCount = excludedLines.length / 2;
  let ex = 0;
  for (let k = 0; k < order.length; k++) {
    const nodeIndex = order[k] as number;
    const node = nodes[nodeIndex] as (typeof nodes)[number];
    // A unit starts on its own first line (never an excluded one) and ends where the next unit
    // starts, so its text is whole lines [startLine, endLine) minus the excluded line ranges.
    const endLine = k + 1 < order.length ? (nodes[order[k + 1] as number] as (typeof nodes)[number]).startLine : lines.count;
    let pos = node.startLine;
    while (ex < exCount && (excludedLines[2 * ex + 1] as number) <= pos) ex++;
    let own: string;
    let content_hash: string;
    if (ex >= exCount || (excludedLines[2 * ex] as number) >= endLine) {
      own = text.slice(lines.charStart[pos], lines.charStart[endLine]);
      content_hash = hash('sha256', bytes.subarray(lines.byteStart[pos], lines.byteStart[endLine]), 'hex');
    } else {
      const h = createHash('sha256');
      own = '';
      for (let e = ex; e < exCount && (excludedLines[2 * e] as number) < endLine; e++) {
        const es = excludedLines[2 * e] as number;
        own += text.slice(lines.charStart[pos], lines.charStart[es]);
        h.update(bytes.subarray(lines.byteStart[pos], lines.byteStart[es]));
        pos = Math.min(excludedLines[2 * e + 1] as number, endLine);
      }
      own += text.slice(lines.charStart[pos], lines.charStart[endLine]);
      h.update(bytes.subarray(lines.byteStart[pos], lines.byteStart[endLine]));
      content_hash = h.digest('hex');
    }
    const ordinal = (ordinals[node.parent + 1] as number) + 1;
    ordinals[node.parent + 1] = ordinal;
    const canonical_address = node.address;
    rows.push({
      canonical_address,
      document_id: id.documentId,
      source_version_id: id.sourceVersionId,
      unit_kind: node.kind,
      section_type: node.sectionType,
      parent_address: node.parent < 0 ? null : (nodes[node.parent] as (typeof nodes)[number]).address,
      ordinal,
      heading: node.heading,
      text: own,
      content_hash,
      idempotency_key: hash('sha256', id.sourceVersionId + canonical_address + content_hash, 'hex'),
    });
  }
  return rows;
}
