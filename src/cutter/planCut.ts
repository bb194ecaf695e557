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

const EMPTY_SHA256 = hash('sha256', '', 'hex');

/** Identity of the cut: which document and which source version the rows belong to. */
export interface PlanIdentity {
  /** The law-id (`us-const`); goes into `document_id`. */
  documentId: string;
  /** The address prefix (`US-CONST`); addresses are `<docPrefix>/<eId>`. */
  docPrefix: string;
  /** sha256 hex of the source bytes. */
  sourceVersionId: string;
}

/** Where a unit lies in the region: UTF-8 bytes from the region start, excluded spans inside it included. */
export interface UnitSpan {
  /** Byte offset of the unit's first line, relative to the region start (as MARK's excluded spans). */
  offset: number;
  /** Bytes up to the next unit's first line (or the region end); the unit's text is this span minus excluded spans. */
  length: number;
  /** For a number covered by a range heading: the address of the unit holding the heading's text (this one is empty, length 0). */
  coveredBy?: string;
}

/** A plan with what `plan` shows beside the rows. */
export interface DetailedPlan {
  /** The rows, as {@link planCut} returns them. */
  rows: IuRow[];
  /** `spans[i]` is where `rows[i]` lies in the region. */
  spans: UnitSpan[];
  /** Lines read as text although they look like headings, plain blocks left in a container, … (file:line appended). */
  warnings: string[];
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
  return planCutDetailed(mark, vocab, id, false).rows;
}

/**
 * {@link planCut} with each unit's byte span in the region and the cutter's warnings (issue 10:
 * `plan` shows them so a user sees the structure before cutting).
 *
 * @param collectWarnings - false builds no warning messages (the heading look-alike tests still run:
 *   a sequence error names a line kept as text)
 * @throws InputError as {@link planCut}
 */
export function planCutDetailed(mark: Mark, vocab: Vocab, id: PlanIdentity, collectWarnings = true): DetailedPlan {
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

  const warnings: string[] = [];
  const warn = collectWarnings ? (message: string): void => void warnings.push(message) : undefined;
  const nodes = buildUnitTree({ text, lines, excludedLine, where, addressPrefix: `${id.docPrefix}/`, ...(warn === undefined ? {} : { warn }) }, compileVocab(vocab));
  const order = nodes.map((_, i) => i).sort((a, b) => (nodes[a]?.startChar as number) - (nodes[b]?.startChar as number));
  // Ordinals per parent, indexed by parent + 1 (roots have parent -1).
  const ordinals = new Uint32Array(nodes.length + 1);
  const rowOf = (node: (typeof nodes)[number], ordinal: number, own: string, content_hash: string): IuRow => ({
    canonical_address: node.address,
    document_id: id.documentId,
    source_version_id: id.sourceVersionId,
    unit_kind: node.kind,
    section_type: node.sectionType,
    parent_address: node.parent < 0 ? null : (nodes[node.parent] as (typeof nodes)[number]).address,
    ordinal,
    heading: node.heading,
    text: own,
    content_hash,
    idempotency_key: hash('sha256', id.sourceVersionId + node.address + content_hash, 'hex'),
  });
  const rows: IuRow[] = [];
  const spans: UnitSpan[] = [];
  const exCount = excludedLines.length / 2;
  let ex = 0;
  for (let k = 0; k < order.length; k++) {
    const nodeIndex = order[k] as number;
    const node = nodes[nodeIndex] as (typeof nodes)[number];
    const ordinal = (ordinals[node.parent + 1] as number) + 1;
    ordinals[node.parent + 1] = ordinal;
    if (node.coveredBy !== undefined) {
      // A number covered by a range heading: addressable, empty, and outside the tiling.
      spans.push({ offset: lines.byteStart[node.startLine] as number, length: 0, coveredBy: (nodes[node.coveredBy] as (typeof nodes)[number]).address });
      rows.push(rowOf(node, ordinal, '', EMPTY_SHA256));
      continue;
    }
    // A unit starts on its own first line (never an excluded one) and ends where the next unit
    // starts, so its text is whole lines [startLine, endLine) minus the excluded line ranges.
    let next = k + 1;
    while (next < order.length && (nodes[order[next] as number] as (typeof nodes)[number]).coveredBy !== undefined) next++;
    const endLine = next < order.length ? (nodes[order[next] as number] as (typeof nodes)[number]).startLine : lines.count;
    let pos = node.startLine;
    spans.push({ offset: lines.byteStart[pos] as number, length: (lines.byteStart[endLine] as number) - (lines.byteStart[pos] as number) });
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
    rows.push(rowOf(node, ordinal, own, content_hash));
  }
  return { rows, spans, warnings };
}
