/**
 * `lineTable` given the text's UTF-8 bytes (or `true` for ASCII) finds the same byte offsets as
 * measuring each line, for any text: the fast paths MARK and CUTPLAN use (issue 3).
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lineTable, type LineTable } from '../../../src/cutter/lineTable.js';
import { CORPUS_NAMES, itWithCorpus, SAMPLE_STATUTE } from '../../support/corpus.js';
import { corpusPath } from './corpusFixture.js';

/** Independent check: every line's byte offset is the UTF-8 length of the text before it. */
function expectByteOffsetsMeasured(text: string, t: LineTable): void {
  for (let i = 0; i <= t.count; i++) {
    const chars = i === t.count ? text.length : (t.charStart[i] ?? 0);
    expect(t.byteStart[i]).toBe(Buffer.byteLength(text.slice(0, chars), 'utf8'));
  }
}

describe('lineTable byte offsets from the encoded bytes', () => {
  /** Same table from the file's bytes as measured line by line, for a file of at least `minLines` lines. */
  const sameTable = (file: string, minLines: number): void => {
    const bytes = readFileSync(file);
    const text = bytes.toString('utf8');
    const measured = lineTable(text);
    expect(measured.count).toBeGreaterThan(minLines);
    expect(measured.byteStart[measured.count]).toBe(bytes.length);
    expect(lineTable(text, bytes)).toEqual(measured);
    expectByteOffsetsMeasured(text, measured);
  };

  it('the sample statute: same table from bytes as measured line by line', () => {
    sameTable(SAMPLE_STATUTE.source, 50);
  });

  for (const corpus of CORPUS_NAMES) {
    itWithCorpus(`${corpus}: same table from bytes as measured line by line`, () => {
      sameTable(corpusPath(corpus), 100);
    });
  }

  it('any text with LF, CRLF, lone CR, multi-byte and astral characters: bytes path = measured path', () => {
    const piece = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 8 }), fc.constantFrom('\n', '\r\n', '\r', '\n\n', 'é', '—', '😀', ''));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (pieces) => {
        const text = pieces.join('');
        const measured = lineTable(text);
        expect(lineTable(text, Buffer.from(text, 'utf8'))).toEqual(measured);
        expect(lineTable(text, new Uint8Array(Buffer.from(text, 'utf8')))).toEqual(measured);
        expectByteOffsetsMeasured(text, measured);
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
