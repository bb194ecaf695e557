/**
 * MARK (phase 2, DESIGN §4): find the region of a source version and the excluded spans inside it.
 */
import { createHash } from 'node:crypto';
import { InputError } from '../errors.js';
import { compileVocab, type CompiledVocab } from './compileVocab.js';
import { decodeSource } from './decodeSource.js';
import { lineTable, type LineTable } from './lineTable.js';
import type { Vocab } from './vocabSchema.js';

/**
 * A span of the region that is not part of any IU (notes, footnotes, page furniture).
 * `offset` and `length` are UTF-8 byte counts, `offset` relative to the region start.
 * A span covers whole lines plus the blank lines after them.
 */
export interface ExcludedSpan {
  offset: number;
  length: number;
  reason: string;
}

/** Result of MARK. */
export interface Mark {
  /** Byte offset of the region start in the source (inclusive). */
  start: number;
  /** Byte offset of the region end in the source (exclusive). */
  end: number;
  /** The region's text (the source bytes `[start, end)` decoded). */
  text: string;
  /**
   * The region's UTF-8 bytes: a view of the source bytes `[start, end)` given to MARK, not a copy
   * (CUTPLAN hashes units from it instead of re-encoding `text`). The source buffer must not be
   * modified while the mark is in use. Absent on a mark built elsewhere: CUTPLAN then encodes `text`.
   */
  bytes?: Uint8Array;
  /** sha256 hex of the region's UTF-8 bytes (DESIGN §4 phase 2, reference §6). */
  regionSha: string;
  /** Excluded spans in document order, region-relative byte offsets. */
  excluded: ExcludedSpan[];
  /** 1-based source line number of the region's first line (for error positions). */
  startLine: number;
  /** Source file name used in error messages. */
  file: string;
}

/**
 * Extracts the region and its excluded spans. Pure: same bytes and vocabulary, same result.
 *
 * @param sourceBytes - the exact source version bytes
 * @param vocab - a validated vocabulary (`parseVocab`)
 * @param opts.file - file name for error messages (default `source`)
 * @throws InputError `{ file, line, offset, field }` for an empty source, invalid UTF-8, a region
 *   marker that is not found, or an `until` exclusion that never ends (issue 3, item 6)
 */
export function markRegion(sourceBytes: Uint8Array, vocab: Vocab, opts: { file?: string } = {}): Mark {
  const file = opts.file ?? 'source';
  const compiled = compileVocab(vocab);
  const text = decodeSource(sourceBytes, file);
  const lines = lineTable(text, text.length === sourceBytes.length ? true : sourceBytes);
  const content = (i: number): string => text.slice(lines.charStart[i], lines.contentEnd[i]);

  let first = 0;
  if (compiled.regionStart !== undefined) {
    first = findLine(lines.count, 0, (i) => compiled.regionStart!.test(content(i)));
    if (first < 0) {
      throw new InputError(`region start marker /${vocab.region.start}/ of vocabulary ${vocab.name} not found in ${file}`, {
        file, line: 1, offset: 0, field: 'region.start',
      });
    }
  }
  let last = lines.count;
  if (compiled.regionEnd !== undefined) {
    const found = findLine(lines.count, first + 1, (i) => compiled.regionEnd!.test(content(i)));
    if (found >= 0) last = found;
    else if (vocab.region.end_required) {
      throw new InputError(`region end marker /${vocab.region.end}/ of vocabulary ${vocab.name} not found in ${file} after line ${first + 1}`, {
        file, line: first + 1, offset: lines.byteStart[first] as number, field: 'region.end',
      });
    }
  }
  const start = lines.byteStart[first] as number;
  const end = lines.byteStart[last] as number;
  const regionText = text.slice(lines.charStart[first], lines.charStart[last]);
  const excluded = findExcluded(compiled, lines, content, first, last, file);
  return {
    start,
    end,
    text: regionText,
    bytes: sourceBytes.subarray(start, end),
    regionSha: createHash('sha256').update(sourceBytes.subarray(start, end)).digest('hex'),
    excluded,
    startLine: first + 1,
    file,
  };
}

function findLine(count: number, from: number, test: (i: number) => boolean): number {
  for (let i = from; i < count; i++) if (test(i)) return i;
  return -1;
}

function findExcluded(
  compiled: CompiledVocab,
  lines: LineTable,
  content: (i: number) => string,
  first: number,
  last: number,
  file: string,
): ExcludedSpan[] {
  const spans: ExcludedSpan[] = [];
  if (compiled.excluded.length === 0) return spans;
  const blank = (i: number): boolean => /^\s*$/.test(content(i));
  const base = lines.byteStart[first] as number;
  let i = first;
  while (i < last) {
    const line = content(i);
    const rule = blank(i) ? undefined : compiled.excluded.find((r) => r.re.test(line));
    if (rule === undefined) {
      i++;
      continue;
    }
    let j = i + 1;
    if (rule.extent === 'block') while (j < last && !blank(j)) j++;
    if (rule.extent === 'until') {
      j = findLine(last, i + 1, (k) => rule.until!.test(content(k)));
      if (j < 0) {
        throw new InputError(`excluded block starting at ${file}:${i + 1} (${rule.reason}) never reaches its until marker`, {
          file, line: i + 1, offset: lines.byteStart[i] as number, field: 'excluded.until',
        });
      }
    }
    while (j < last && blank(j)) j++;
    spans.push({ offset: (lines.byteStart[i] as number) - base, length: (lines.byteStart[j] as number) - (lines.byteStart[i] as number), reason: rule.reason });
    i = j;
  }
  return spans;
}
