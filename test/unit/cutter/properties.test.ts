import { createHash } from 'node:crypto';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { checkLossless } from '../../../src/cutter/checkLossless.js';
import type { IuRow } from '../../../src/cutter/iuRow.js';
import { manifestDigest } from '../../../src/cutter/manifestDigest.js';
import { markRegion, type ExcludedSpan } from '../../../src/cutter/markRegion.js';
import { planCut } from '../../../src/cutter/planCut.js';
import { writerDigest } from '../../../src/cutter/writerDigest.js';
import { readVocabFile } from '../../../src/documents/readVocabFile.js';
import { repoRoot } from './corpusFixture.js';

// Generated statutes in the sample-statute layout (knowledge/samples/sample-statute/vocab.yaml).
const vocab = readVocabFile(path.join(repoRoot, 'knowledge/samples/sample-statute/vocab.yaml')).vocab;
const ROMAN = ['I', 'II', 'III', 'IV', 'V'];
const word = fc.constantFrom('records', 'public', 'body', 'shall', 'access', 'données', 'naïve', 'law', 'right', '—', 'person', 'within', 'days', '§', 'a', 'x');
const sentence = fc.array(word, { minLength: 1, maxLength: 10 }).map((ws) => ws.join(' '));
const para = fc.record({ text: sentence, more: fc.option(sentence), points: fc.array(sentence, { maxLength: 3 }), note: fc.boolean() });
const article = fc.record({ title: sentence, paras: fc.array(para, { minLength: 1, maxLength: 3 }) });
const chapter = fc.record({ title: sentence, articles: fc.array(article, { minLength: 1, maxLength: 3 }), page: fc.boolean() });
const statute = fc.record({ preamble: fc.array(sentence, { minLength: 1, maxLength: 3 }), chapters: fc.array(chapter, { minLength: 1, maxLength: 4 }) });

function render(doc: { preamble: string[]; chapters: { title: string; page: boolean; articles: { title: string; paras: { text: string; more: string | null; points: string[]; note: boolean }[] }[] }[] }): string {
  const out: string[] = ['GENERATED ACT', '', 'PREAMBLE', ''];
  for (const p of doc.preamble) out.push(p, '');
  let art = 0;
  doc.chapters.forEach((c, ci) => {
    if (c.page) out.push(`[Page ${ci + 1}]`, '');
    out.push(`CHAPTER ${ROMAN[ci] ?? 'X'}`, '', c.title, '');
    for (const a of c.articles) {
      out.push(`ARTICLE ${++art}`, '', a.title, '');
      a.paras.forEach((p, pi) => {
        out.push(`${pi + 1}. ${p.text}`);
        p.points.forEach((pt, k) => out.push(`(${String.fromCharCode(97 + k)}) ${pt}`));
        out.push('');
        if (p.more !== null) out.push(p.more, '');
        if (p.note) out.push(`NOTE: ${p.text}`, '');
      });
    }
  });
  out.push('Enacted by the Assembly on 2 March 2026.', '');
  return out.join('\n');
}

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
function planOf(bytes: Buffer) {
  const svid = sha(bytes);
  const mark = markRegion(bytes, vocab, { file: 'generated.txt' });
  const rows = planCut(mark, vocab, { documentId: 'gen', docPrefix: 'GEN', sourceVersionId: svid });
  const manifest = manifestDigest({ document_id: 'gen', source_version_id: svid, region: mark, vocab });
  return { mark, rows, manifest, writer: writerDigest(rows) };
}

/** Index of the unit owning region byte `at`, or -1 when it lies in an excluded span. */
function ownerOf(rows: readonly IuRow[], excluded: readonly ExcludedSpan[], at: number): number {
  let pos = 0;
  let ex = 0;
  for (let u = 0; u < rows.length; u++) {
    let left = Buffer.byteLength((rows[u] as IuRow).text, 'utf8');
    while (left > 0) {
      while (ex < excluded.length && (excluded[ex] as ExcludedSpan).offset === pos) {
        if (at < pos + (excluded[ex] as ExcludedSpan).length && at >= pos) return -1;
        pos += (excluded[ex++] as ExcludedSpan).length;
      }
      const next = ex < excluded.length ? (excluded[ex] as ExcludedSpan).offset : Infinity;
      const n = Math.min(left, next - pos);
      if (at >= pos && at < pos + n) return u;
      pos += n;
      left -= n;
    }
  }
  return -1;
}

describe('cutter properties on generated statutes', () => {
  it('is lossless, has unique addresses and is deterministic', () => {
    fc.assert(
      fc.property(statute, (doc) => {
        const bytes = Buffer.from(render(doc), 'utf8');
        const a = planOf(bytes);
        expect(checkLossless(a.mark.text, a.rows, a.mark.excluded)).toEqual({ ok: true });
        expect(new Set(a.rows.map((r) => r.canonical_address)).size).toBe(a.rows.length);
        const articles = doc.chapters.reduce((n, c) => n + c.articles.length, 0);
        expect(a.rows.filter((r) => r.unit_kind === 'article')).toHaveLength(articles);
        const b = planOf(Buffer.from(bytes));
        expect(b.rows).toEqual(a.rows);
        expect([b.manifest, b.writer, b.mark.regionSha]).toEqual([a.manifest, a.writer, a.mark.regionSha]);
      }),
      { numRuns: 150 },
    );
  });

  it('a single-byte change of text changes region_sha, manifest, writer digest and only the owning unit hash', () => {
    fc.assert(
      fc.property(statute, fc.nat(), fc.integer({ min: 1, max: 25 }), (doc, pick, shift) => {
        const bytes = Buffer.from(render(doc), 'utf8');
        const before = planOf(bytes);
        const start = before.mark.start;
        const region = bytes.subarray(start, before.mark.end);
        // Lowercase ASCII letters of prose: not in "(x)" labels, "[Page n]" markers or the
        // "Enacted" attestation start, so changing one never changes the structure.
        const candidates: number[] = [];
        let lineStart = 0;
        for (let i = 0; i < region.length; i++) {
          const c = region[i] as number;
          if (i > 0 && region[i - 1] === 0x0a) lineStart = i;
          const marker = region[lineStart] === 0x5b || region.subarray(lineStart, lineStart + 8).toString('latin1') === 'Enacted ';
          if (c >= 97 && c <= 122 && !marker && region[i - 1] !== 0x28 && region[i + 1] !== 0x29) candidates.push(i);
        }
        fc.pre(candidates.length > 0);
        const at = candidates[pick % candidates.length] as number;
        const changed = Buffer.from(bytes);
        changed[start + at] = 97 + (((region[at] as number) - 97 + shift) % 26);
        const after = planOf(changed);

        expect(after.mark.regionSha).not.toBe(before.mark.regionSha);
        expect(after.manifest).not.toBe(before.manifest);
        expect(after.writer).not.toBe(before.writer);
        expect(after.rows.map((r) => r.canonical_address)).toEqual(before.rows.map((r) => r.canonical_address));
        const owner = ownerOf(before.rows, before.mark.excluded, at);
        const hashChanged = before.rows.map((r, i) => (r.content_hash !== after.rows[i]?.content_hash ? i : -1)).filter((i) => i >= 0);
        expect(hashChanged).toEqual(owner < 0 ? [] : [owner]);
        // The source version changes, so every idempotency key changes with it.
        expect(after.rows.every((r, i) => r.idempotency_key !== before.rows[i]?.idempotency_key)).toBe(true);
        expect(checkLossless(after.mark.text, after.rows, after.mark.excluded)).toEqual({ ok: true });
      }),
      { numRuns: 200 },
    );
  });

  it('any byte overwritten anywhere gives either an InputError or a lossless plan, never a partial one', () => {
    fc.assert(
      fc.property(statute, fc.nat(), fc.integer({ min: 0, max: 255 }), (doc, pick, value) => {
        const bytes = Buffer.from(render(doc), 'utf8');
        bytes[pick % bytes.length] = value;
        let result: ReturnType<typeof planOf> | undefined;
        try {
          result = planOf(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(InputError);
          const where = (e as InputError).where;
          expect(where.file).toBe('generated.txt');
          expect(typeof where.offset === 'number' || where.field !== undefined).toBe(true);
          return;
        }
        expect(checkLossless(result.mark.text, result.rows, result.mark.excluded)).toEqual({ ok: true });
      }),
      { numRuns: 300 },
    );
  });
});

describe('checkLossless rejects rowsets that do not tile the region', () => {
  const doc = Buffer.from(render({ preamble: ['whereas a'], chapters: [{ title: 'one', page: true, articles: [{ title: 't', paras: [{ text: 'x y', more: null, points: ['p', 'q'], note: true }] }] }] }));
  const { mark, rows } = planOf(doc);
  it('finds a missing unit, a changed byte, reordered units and a wrong excluded span', () => {
    expect(checkLossless(mark.text, rows, mark.excluded)).toEqual({ ok: true });
    const missing = checkLossless(mark.text, rows.filter((_, i) => i !== 3), mark.excluded);
    expect(missing.ok).toBe(false);
    const k = rows.findIndex((r) => r.text.includes('one'));
    expect(k).toBeGreaterThan(0);
    const edited = rows.map((r, i) => (i === k ? { text: r.text.replace('one', 'ome') } : r));
    const expectedOffset = Buffer.byteLength(mark.text.slice(0, mark.text.indexOf('one') + 1));
    expect(checkLossless(mark.text, edited, mark.excluded)).toMatchObject({ ok: false, firstMismatchOffset: expectedOffset });
    const swapped = [rows[1]!, rows[0]!, ...rows.slice(2)];
    expect(checkLossless(mark.text, swapped, mark.excluded)).toMatchObject({ ok: false, firstMismatchOffset: 0 });
    expect(checkLossless(mark.text, rows, mark.excluded.slice(1)).ok).toBe(false);
    expect(checkLossless(mark.text, rows, []).ok).toBe(false);
  });
});
