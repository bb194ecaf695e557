/**
 * Line table of a text: where each line starts, in UTF-16 code units (for slicing the string) and
 * in UTF-8 bytes (the offsets the cutter reports, DESIGN §2 "region").
 */

/**
 * Lines of a text. Index i is line i (0-based). `charStart`/`byteStart` have one extra entry: the
 * text's end. Typed arrays of exactly `count` (+1) entries: a 22 MB source has ~300,000 lines.
 */
export interface LineTable {
  /** Start of each line in UTF-16 code units; last entry = text length. */
  charStart: Uint32Array;
  /** Start of each line in UTF-8 bytes; last entry = byte length. */
  byteStart: Uint32Array;
  /** End of each line's content (before `\n` / `\r\n`) in code units. */
  contentEnd: Uint32Array;
  /** Number of lines (a final line without `\n` counts; an empty text has 0). */
  count: number;
}

/**
 * Builds the {@link LineTable} of a string.
 *
 * Byte offsets come, fastest first, from: the text itself when it is ASCII (`bytes === true`);
 * the text's own UTF-8 bytes when given (a `\n` byte never occurs inside a multi-byte UTF-8
 * sequence, so the i-th `\n` byte ends the i-th line); otherwise the byte length of each line.
 *
 * @param text - any string shorter than 2^32 UTF-8 bytes; lines end at `\n` (a preceding `\r`
 *   is not part of the content)
 * @param bytes - `true` when the text is known to be ASCII (byte offsets = char offsets), or the
 *   exact UTF-8 encoding of `text` (e.g. the source bytes it was decoded from); omitted = measured
 */
export function lineTable(text: string, bytes: boolean | Uint8Array = false): LineTable {
  let count = 0;
  for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', nl + 1)) count++;
  if (text.length > 0 && text.charCodeAt(text.length - 1) !== 10) count++;
  const charStart = new Uint32Array(count + 1);
  const byteStart = new Uint32Array(count + 1);
  const contentEnd = new Uint32Array(count);
  const ascii = bytes === true;
  const encoded = typeof bytes === 'boolean' ? undefined : bytes;
  let pos = 0;
  let byte = 0;
  for (let i = 0; i < count; i++) {
    const nl = text.indexOf('\n', pos);
    const next = nl < 0 ? text.length : nl + 1;
    charStart[i] = pos;
    byteStart[i] = byte;
    let end = nl < 0 ? text.length : nl;
    if (end > pos && text.charCodeAt(end - 1) === 13) end -= 1;
    contentEnd[i] = end;
    if (ascii) byte += next - pos;
    else if (encoded !== undefined) {
      const nlByte = nl < 0 ? -1 : encoded.indexOf(10, byte);
      byte = nlByte < 0 ? encoded.length : nlByte + 1;
    } else byte += Buffer.byteLength(text.slice(pos, next), 'utf8');
    pos = next;
  }
  charStart[count] = text.length;
  byteStart[count] = byte;
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
