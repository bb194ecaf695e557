/**
 * Strict UTF-8 decoding of a source version, with the position of the first bad byte on failure.
 */
import { InputError } from '../errors.js';

/**
 * Decodes source bytes as UTF-8, refusing empty input and invalid sequences (issue 3, item 6).
 *
 * @param bytes - the exact source bytes (a BOM is kept as text, not stripped, so offsets stay byte-true)
 * @param file - the file name reported in errors
 * @throws InputError `{ file, line, offset }` for an empty source or the first invalid UTF-8 byte
 */
export function decodeSource(bytes: Uint8Array, file: string): string {
  if (bytes.length === 0) throw new InputError(`source ${file} is empty`, { file, line: 1, offset: 0 });
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    const { line, offset } = firstInvalidByte(bytes);
    throw new InputError(`source ${file} is not valid UTF-8 (first bad byte at line ${line}, offset ${offset})`, {
      file,
      line,
      offset,
    });
  }
}

/**
 * Locates the first invalid UTF-8 byte. A lenient decode marks bad bytes with U+FFFD; a U+FFFD
 * that is really encoded in the source (EF BF BD) is legitimate and skipped.
 */
function firstInvalidByte(bytes: Uint8Array): { line: number; offset: number } {
  const lenient = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(bytes);
  let from = 0;
  for (;;) {
    const idx = lenient.indexOf('\uFFFD', from);
    if (idx < 0) return { line: 1, offset: 0 };
    const prefix = lenient.slice(0, idx);
    const offset = Buffer.byteLength(prefix, 'utf8');
    const real = bytes[offset] === 0xef && bytes[offset + 1] === 0xbf && bytes[offset + 2] === 0xbd;
    if (!real) return { line: countNewlines(prefix) + 1, offset };
    from = idx + 1;
  }
}

function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
}
