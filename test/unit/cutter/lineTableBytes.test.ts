/**
 * `lineTable` given the text's UTF-8 bytes (or `true` for ASCII) finds the same byte offsets as
 * measuring each line, for any text: the fast paths MARK and CUTPLAN use (issue 3).
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lineTable, type LineTable } from '../../../src/cutter/lineTable.js';
import { corpusPath } from './corpusFixture.js';
import { lineTable as referenceLineTable } from './reference/lineTable.js';

/** The table with plain arrays, as the pre-issue-3 `lineTable` returned it. */
const plain = (t: LineTable): unknown => ({ charStart: [...t.charStart], byteStart: [...t.byteStart], contentEnd: [...t.contentEnd], count: t.count });

describe('lineTable byte offsets from the encoded bytes', () => {
  it.each(['us-constitution', 'udhr', 'gdpr'])('%s: same table from bytes as measured line by line', (corpus) => {
    const bytes = readFileSync(corpusPath(corpus));
    const text = bytes.toString('utf8');
    const measured = lineTable(text);
    expect(measured.count).toBeGreaterThan(100);
    expect(measured.byteStart[measured.count]).toBe(bytes.length);
    expect(lineTable(text, bytes)).toEqual(measured);
    expect(plain(measured)).toEqual(referenceLineTable(text));
  });

  it('any text with LF, CRLF, lone CR, multi-byte and astral characters: bytes path = measured path', () => {
    const piece = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 8 }), fc.constantFrom('\n', '\r\n', '\r', '\n\n', 'é', '—', '😀', ''));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (pieces) => {
        const text = pieces.join('');
        const measured = lineTable(text);
        expect(lineTable(text, Buffer.from(text, 'utf8'))).toEqual(measured);
        expect(lineTable(text, new Uint8Array(Buffer.from(text, 'utf8')))).toEqual(measured);
        expect(plain(measured)).toEqual(referenceLineTable(text));
      }),
      { numRuns: 500 },
    );
  });

  it('ASCII text: the `true` fast path = measured path', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii', maxLength: 200 }), (text) => {
        expect(lineTable(text, true)).toEqual(lineTable(text));
      }),
      { numRuns: 300 },
    );
  });
});
