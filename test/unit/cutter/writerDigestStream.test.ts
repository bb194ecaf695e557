/**
 * The streamed writer digest hashes exactly `canonicalize(sortedRows)` (RFC 8785 via the
 * `canonicalize` library on the whole array, as before issue 3): on the sample statute's rowset
 * and the corpus rowsets (those skip without ../shared/corpus), on rows with unicode and JSON
 * escapes, and across the hash-chunk boundary.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { markRegion } from '../../../src/cutter/markRegion.js';
import { planCut } from '../../../src/cutter/planCut.js';
import { writerDigest, type WriterDigestRow } from '../../../src/cutter/writerDigest.js';
import { readVocabFile } from '../../../src/documents/readVocabFile.js';
import { itWithCorpus, SAMPLE_STATUTE } from '../../support/corpus.js';
import { cutCorpus } from './corpusFixture.js';

/** The definition: sha256 of the canonical JSON of the reduced rows sorted by address (code units). */
function libraryDigest(units: readonly WriterDigestRow[]): string {
  const rows = units
    .map((u) => ({ canonical_address: u.canonical_address, unit_kind: u.unit_kind, section_type: u.section_type, content_hash: u.content_hash, idempotency_key: u.idempotency_key }))
    .sort((a, b) => (a.canonical_address < b.canonical_address ? -1 : a.canonical_address > b.canonical_address ? 1 : 0));
  return createHash('sha256').update(canonicalize(rows) as string, 'utf8').digest('hex');
}

const outcome = (f: () => string): string => {
  try {
    return f();
  } catch (e) {
    return `throws ${(e as Error).message}`;
  }
};

const row = (s: fc.Arbitrary<string>): fc.Arbitrary<WriterDigestRow> =>
  fc.record({ canonical_address: s, unit_kind: s, section_type: s, content_hash: s, idempotency_key: s });

describe('writerDigest streams the canonical JSON of the sorted rowset', () => {
  const sameDigest = (rows: readonly WriterDigestRow[]): void => {
    const expected = libraryDigest(rows);
    expect(writerDigest(rows)).toBe(expected);
    expect(writerDigest([...rows].reverse())).toBe(expected);
  };

  it('the sample statute: same digest as canonicalize on the whole sorted array, in any input order', () => {
    const vocab = readVocabFile(SAMPLE_STATUTE.vocab).vocab;
    const bytes = readFileSync(SAMPLE_STATUTE.source);
    const rows = planCut(markRegion(bytes, vocab), vocab, { documentId: SAMPLE_STATUTE.lawId, docPrefix: SAMPLE_STATUTE.docPrefix, sourceVersionId: createHash('sha256').update(bytes).digest('hex') });
    expect(rows.length).toBeGreaterThan(20);
    sameDigest(rows);
  });

  for (const [corpus, vocab, prefix] of [
    ['us-constitution', 'nara-us-constitution', 'US-CONST'],
    ['udhr', 'udhr', 'UN-UDHR'],
    ['gdpr', 'eu-regulation-eurlex', 'EU-GDPR'],
  ] as const) {
    itWithCorpus(`${corpus}: same digest as canonicalize on the whole sorted array, in any input order`, () => {
      sameDigest(cutCorpus(corpus, vocab, prefix).rows);
    });
  }

  it('an empty rowset hashes "[]"', () => {
    expect(writerDigest([])).toBe(createHash('sha256').update('[]').digest('hex'));
  });

  it('rows with any unicode, quotes, backslashes and control characters give the library digest', () => {
    const text = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 20 }), fc.constantFrom('"', '\\', '\n', '\u0000', '\u001f', '\u007f', '\u2028', 'é', '😀', '𝔘', '</script>'), fc.string({ unit: 'binary-ascii', maxLength: 10 }));
    fc.assert(
      fc.property(fc.array(row(text), { maxLength: 40 }), (rows) => {
        expect(writerDigest(rows)).toBe(libraryDigest(rows));
      }),
      { numRuns: 300 },
    );
  });

  it('a lone surrogate is refused as the library refuses it', () => {
    fc.assert(
      fc.property(fc.array(row(fc.string({ unit: 'binary', maxLength: 4 })), { minLength: 1, maxLength: 10 }), (rows) => {
        expect(outcome(() => writerDigest(rows))).toBe(outcome(() => libraryDigest(rows)));
      }),
      { numRuns: 300 },
    );
    const lone = { canonical_address: 'A/x\uD800', unit_kind: 'k', section_type: 's', content_hash: 'h', idempotency_key: 'i' };
    expect(outcome(() => writerDigest([lone]))).toMatch(/^throws .*surrogate/i);
  });

  it('a rowset far larger than one hash chunk (multi-byte text across chunk ends) gives the library digest', () => {
    const rows = Array.from({ length: 5000 }, (_, i) => ({
      canonical_address: `BIG/art_${i}__para_${i % 7}`,
      unit_kind: i % 3 === 0 ? 'paragraph' : 'pöint "q"',
      section_type: 'body\\\u2028',
      content_hash: createHash('sha256').update(String(i)).digest('hex'),
      idempotency_key: `😀${'é'.repeat(i % 50)}`,
    }));
    // More than 10 chunks of canonical JSON, so chunk ends fall inside rows and characters.
    expect(canonicalize(rows)?.length).toBeGreaterThan(10 * 2 ** 16);
    expect(writerDigest(rows)).toBe(libraryDigest(rows));
  });
});
