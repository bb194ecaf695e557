// Test oracle: src/cutter/planCut.ts as of commit 220c896, before the issue 3 performance work,
// unchanged except import paths. equivalence.test.ts compares the optimised cutter against it.
/**
 * CUTPLAN (phase 3, DESIGN §4): turns a marked region into the IU rowset, in document order.
 */
import { createHash } from 'node:crypto';
import { InputError } from '../../../../src/errors.js';
import { buildUnitTree } from './buildUnitTree.js';
import { compileVocab } from '../../../../src/cutter/compileVocab.js';
import type { IuRow } from '../../../../src/cutter/iuRow.js';
import { lineTable } from './lineTable.js';
import type { Mark } from './markRegion.js';
import type { Vocab } from '../../../../src/cutter/vocabSchema.js';

/** Identity of the cut: which document and which source version the rows belong to. */
export interface PlanIdentity {
  /** The law-id (`us-const`); goes into `document_id`. */
  documentId: string;
  /** The address prefix (`US-CONST`); addresses are `<docPrefix>/<eId>`. */
  docPrefix: string;
  /** sha256 hex of the source bytes. */
  sourceVersionId: string;
}

const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

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
  const lines = lineTable(text, mark.end - mark.start === text.length);
  const excludedLine = new Uint8Array(lines.count);
  const excludedChars: [number, number][] = [];
  let li = 0;
  for (const span of mark.excluded) {
    while (li < lines.count && (lines.byteStart[li] as number) < span.offset) li++;
    if (lines.byteStart[li] !== span.offset) {
      throw new InputError(`excluded span at offset ${span.offset} does not start a line of the region`, { file: mark.file, offset: mark.start + span.offset });
    }
    const from = li;
    while (li < lines.count && (lines.byteStart[li] as number) < span.offset + span.length) excludedLine[li++] = 1;
    excludedChars.push([lines.charStart[from] as number, lines.charStart[li] as number]);
  }
  const where = (line: number): { file: string; line: number; offset: number } => ({
    file: mark.file,
    line: mark.startLine + line,
    offset: mark.start + (lines.byteStart[line] as number),
  });

  const nodes = buildUnitTree({ text, lines, excludedLine, where }, compileVocab(vocab));
  const order = nodes.map((_, i) => i).sort((a, b) => (nodes[a]?.startChar as number) - (nodes[b]?.startChar as number));
  const address = (i: number): string => `${id.docPrefix}/${(nodes[i] as (typeof nodes)[number]).eId}`;
  const ordinals = new Map<number, number>();
  const rows: IuRow[] = [];
  let ex = 0;
  order.forEach((nodeIndex, k) => {
    const node = nodes[nodeIndex] as (typeof nodes)[number];
    const end = k + 1 < order.length ? (nodes[order[k + 1] as number]?.startChar as number) : text.length;
    let own = '';
    let pos = node.startChar;
    while (ex < excludedChars.length && (excludedChars[ex] as [number, number])[1] <= pos) ex++;
    for (let e = ex; e < excludedChars.length && (excludedChars[e] as [number, number])[0] < end; e++) {
      const [es, ee] = excludedChars[e] as [number, number];
      own += text.slice(pos, es);
      pos = Math.min(ee, end);
    }
    own = own === '' ? text.slice(pos, end) : own + text.slice(pos, end);
    const ordinal = (ordinals.get(node.parent) ?? 0) + 1;
    ordinals.set(node.parent, ordinal);
    const canonical_address = address(nodeIndex);
    const content_hash = sha256(own);
    rows.push({
      canonical_address,
      document_id: id.documentId,
      source_version_id: id.sourceVersionId,
      unit_kind: node.kind,
      section_type: node.sectionType,
      parent_address: node.parent < 0 ? null : address(node.parent),
      ordinal,
      heading: node.heading,
      text: own,
      content_hash,
      idempotency_key: sha256(id.sourceVersionId + canonical_address + content_hash),
    });
  });
  return rows;
}
