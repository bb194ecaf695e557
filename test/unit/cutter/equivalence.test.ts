/**
 * Issue 3 performance work: the optimised cutter must give byte-identical outputs. Compares MARK,
 * CUTPLAN and the writer digest against the cutter as it was before (the oracle in `reference/`),
 * on the three corpus laws, on the benchmark's generated regulation (fewer copies) and on
 * generated statutes with non-ASCII text, CRLF line ends and excluded spans.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { markRegion } from '../../../src/cutter/markRegion.js';
import { planCut } from '../../../src/cutter/planCut.js';
import type { Vocab } from '../../../src/cutter/vocabSchema.js';
import { writerDigest } from '../../../src/cutter/writerDigest.js';
import { readVocabFile } from '../../../src/documents/readVocabFile.js';
import { generatedRegulation } from '../../bench/generatedRegulation.js';
import { corpusPath, repoRoot, shippedVocab } from './corpusFixture.js';
import { markRegion as referenceMark } from './reference/markRegion.js';
import { planCut as referencePlan } from './reference/planCut.js';
import { writerDigest as referenceDigest } from './reference/writerDigest.js';

type Outcome = { ok: true; value: unknown } | { ok: false; error: string };

/** Runs MARK + CUTPLAN + writer digest with one implementation; errors become data to compare. */
function cut(impl: 'new' | 'reference', bytes: Uint8Array, vocab: Vocab, docPrefix: string): Outcome {
  const id = { documentId: docPrefix.toLowerCase(), docPrefix, sourceVersionId: createHash('sha256').update(bytes).digest('hex') };
  try {
    if (impl === 'new') {
      const { bytes: regionBytes, ...mark } = markRegion(bytes, vocab, { file: 'doc.txt' });
      // MARK's byte view is the region's exact encoding; CUTPLAN gives the same rows without it.
      expect(Buffer.from(regionBytes ?? []).equals(Buffer.from(mark.text, 'utf8'))).toBe(true);
      const rows = planCut({ ...mark, bytes: regionBytes }, vocab, id);
      expect(planCut(mark, vocab, id)).toEqual(rows);
      return { ok: true, value: { mark, rows, digest: writerDigest(rows) } };
    }
    const mark = referenceMark(bytes, vocab, { file: 'doc.txt' });
    const rows = referencePlan(mark, vocab, id);
    return { ok: true, value: { mark: { ...mark }, rows, digest: referenceDigest(rows) } };
  } catch (e) {
    return { ok: false, error: `${(e as Error).name}: ${(e as Error).message} ${JSON.stringify((e as { where?: unknown }).where ?? null)}` };
  }
}

function expectSameCut(bytes: Uint8Array, vocab: Vocab, docPrefix: string): Outcome {
  const now = cut('new', bytes, vocab, docPrefix);
  expect(now).toEqual(cut('reference', bytes, vocab, docPrefix));
  return now;
}

describe('optimised cutter = cutter before issue 3 (byte-identical outputs)', () => {
  it.each([
    ['us-constitution', 'nara-us-constitution', 'US-CONST'],
    ['udhr', 'udhr', 'UN-UDHR'],
    ['gdpr', 'eu-regulation-eurlex', 'EU-GDPR'],
  ])('%s: same region, excluded spans, rows (texts, hashes, keys) and writer digest', (corpus, vocabName, prefix) => {
    const outcome = expectSameCut(readFileSync(corpusPath(corpus)), shippedVocab(vocabName), prefix);
    expect(outcome.ok).toBe(true);
  });

  it('the generated regulation of the benchmark (GDPR enacting terms x4, non-ASCII quotes) cuts the same', () => {
    const gdpr = readFileSync(corpusPath('gdpr'), 'utf8');
    const bytes = Buffer.from(generatedRegulation(gdpr, 4), 'utf8');
    const outcome = expectSameCut(bytes, shippedVocab('eu-regulation-eurlex'), 'BENCH');
    expect(outcome.ok && (outcome.value as { rows: unknown[] }).rows.length).toBeGreaterThan(3500);
  });

  it('the GDPR with CRLF line ends cuts the same', () => {
    const crlf = readFileSync(corpusPath('gdpr'), 'utf8').replace(/\n/g, '\r\n');
    expect(expectSameCut(Buffer.from(crlf, 'utf8'), shippedVocab('eu-regulation-eurlex'), 'EU-GDPR').ok).toBe(true);
  });

  // Statutes in the sample-statute layout (notes and page headings excluded, unnumbered preamble
  // paragraphs), words with multi-byte and astral characters, JSON escapes, optional CRLF.
  const vocab = readVocabFile(path.join(repoRoot, 'knowledge/samples/sample-statute/vocab.yaml')).vocab;
  const word = fc.oneof(
    fc.constantFrom('records', 'shall', 'données', 'naïve', '—', '’', '§', '"quoted"', 'back\\slash', 'tab\there', '😀', '𝔘nicode', 'a'),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }).filter((w) => !/[\n\r]/.test(w)),
  );
  const sentence = fc.array(word, { minLength: 1, maxLength: 8 }).map((ws) => ws.join(' '));
  const para = fc.record({ lines: fc.array(sentence, { minLength: 1, maxLength: 2 }), points: fc.array(sentence, { maxLength: 3 }), note: fc.boolean(), page: fc.boolean(), more: fc.option(sentence) });
  const article = fc.record({ title: sentence, paras: fc.array(para, { minLength: 1, maxLength: 3 }) });
  const statute = fc.record({
    preamble: fc.array(sentence, { minLength: 1, maxLength: 3 }),
    chapters: fc.array(fc.record({ title: sentence, articles: fc.array(article, { minLength: 1, maxLength: 3 }) }), { minLength: 1, maxLength: 3 }),
    crlf: fc.boolean(),
  });
  type Statute = typeof statute extends fc.Arbitrary<infer T> ? T : never;
  const render = (doc: Statute): string => {
    const out = ['ACT ✓', '', 'PREAMBLE', ''];
    for (const p of doc.preamble) out.push(p, '');
    let art = 0;
    doc.chapters.forEach((c, ci) => {
      out.push(`CHAPTER ${['I', 'II', 'III'][ci] ?? 'X'}`, '', c.title, '');
      for (const a of c.articles) {
        out.push(`ARTICLE ${++art}`, '', a.title, '');
        a.paras.forEach((p, pi) => {
          out.push(`${pi + 1}. ${p.lines.join('\n')}`);
          p.points.forEach((pt, k) => out.push(`(${String.fromCharCode(97 + k)}) ${pt}`));
          out.push('');
          if (p.page) out.push(`[Page ${pi + 1}]`, '');
          if (p.note) out.push(`NOTE: ${p.lines[0] ?? ''}`, 'more note — ü', '');
          // Text after an excluded span stays in the same unit: the span is inside the unit.
          if (p.more !== null) out.push(p.more, '');
        });
      }
    });
    out.push('Enacted on 2 March 2026 — 😀.', '');
    return out.join(doc.crlf ? '\r\n' : '\n');
  };

  it('generated statutes with non-ASCII text, CRLF and excluded spans cut the same', () => {
    fc.assert(
      fc.property(statute, (doc) => {
        expect(expectSameCut(Buffer.from(render(doc), 'utf8'), vocab, 'GEN').ok).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('any byte overwritten gives the same rows or the same InputError as before', () => {
    fc.assert(
      fc.property(statute, fc.nat(), fc.integer({ min: 0, max: 255 }), (doc, pick, value) => {
        const bytes = Buffer.from(render(doc), 'utf8');
        bytes[pick % bytes.length] = value;
        expectSameCut(bytes, vocab, 'GEN');
      }),
      // Shrinking whole statutes with deep-equal diffs takes minutes; the first failure is enough.
      { numRuns: 200, endOnFailure: true },
    );
  });
});
