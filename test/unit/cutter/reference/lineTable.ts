// Test oracle: src/cutter/lineTable.ts as of commit 220c896, before the issue 3 performance work,
// unchanged except import paths. equivalence.test.ts compares the optimised cutter against it.
/**
 * Line table of a text: where each line starts, in UTF-16 code units (for slicing the string) and
 * in UTF-8 bytes (the offsets the cutter reports, DESIGN §2 "region").
 */

/** Lines of a text. Index i is line i (0-based). `charStart`/`byteStart` have one extra entry: the text's end. */
export interface LineTable {
  /** Start of each line in UTF-16 code units; last entry = text length. */
  charStart: number[];
  /** Start of each line in UTF-8 bytes; last entry = byte length. */
  byteStart: number[];
  /** End of each line's content (before `\n` / `\r\n`) in code units. */
  contentEnd: number[];
  /** Number of lines (a final line without `\n` counts; an empty text has 0). */
  count: number;
}

/**
 * Builds the {@link LineTable} of a string.
 *
 * @param text - any string; lines end at `\n` (a preceding `\r` is not part of the content)
 * @param ascii - pass true when the text is known to be ASCII (byte offsets = char offsets), a fast path
 */
export function lineTable(text: string, ascii = false): LineTable {
  const charStart: number[] = [];
  const byteStart: number[] = [];
  const contentEnd: number[] = [];
  let pos = 0;
  let bytes = 0;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const next = nl < 0 ? text.length : nl + 1;
    charStart.push(pos);
    byteStart.push(bytes);
    let end = nl < 0 ? text.length : nl;
    if (end > pos && text.charCodeAt(end - 1) === 13) end -= 1;
    contentEnd.push(end);
    bytes += ascii ? next - pos : Buffer.byteLength(text.slice(pos, next), 'utf8');
    pos = next;
  }
  const count = charStart.length;
  charStart.push(text.length);
  byteStart.push(bytes);
  return { charStart, byteStart, contentEnd, count };
}

/** Index of the line containing code unit `charOffset` (binary search). */
export function lineAtChar(table: LineTable, charOffset: number): number {
  let lo = 0;
  let hi = table.count - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((table.charStart[mid] as number) <= charOffset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
