import { beforeAll, expect, it } from 'vitest';
import { checkLossless } from '../../../src/cutter/checkLossless.js';
import { manifestDigest } from '../../../src/cutter/manifestDigest.js';
import { writerDigest } from '../../../src/cutter/writerDigest.js';
import { describeWithCorpus } from '../../support/corpus.js';
import { childrenOf, cutCorpus, excludedTexts, subtreeText, type Cut } from './corpusFixture.js';

const P = 'US-CONST';
// Real law (../shared/corpus): read in beforeAll, so the suite skips cleanly when the corpus is absent.
let cut: Cut;
const a = (eId: string): string => `${P}/${eId}`;
let source: string;

describeWithCorpus('US Constitution (NARA transcription) with nara-us-constitution', () => {
  beforeAll(() => {
    cut = cutCorpus('us-constitution', 'nara-us-constitution', P);
    source = cut.bytes.toString('utf8');
  });

  it('has a preamble, 7 articles, 27 amendments and one attestation as roots, in order', () => {
    const roots = childrenOf(cut.rows, null).map((r) => r.canonical_address.slice(P.length + 1));
    const expected = ['preamble', ...[1, 2, 3, 4, 5, 6, 7].map((n) => `art_${n}`), 'attestation', ...Array.from({ length: 27 }, (_, i) => `amdt_${i + 1}`)];
    expect(roots).toEqual(expected);
    // Independent count by regex over the raw source.
    expect(source.match(/^Article\. [IVX]+\.$/gm)).toHaveLength(7);
    expect(source.match(/^(Amendment|AMENDMENT) [IVXL]+$/gm)).toHaveLength(27);
  });

  it('has the sections per article read from the text: I 10, II 4, III 3, IV 4, V–VII none', () => {
    const sections = [1, 2, 3, 4, 5, 6, 7].map((n) => childrenOf(cut.rows, a(`art_${n}`)).filter((r) => r.unit_kind === 'section').length);
    expect(sections).toEqual([10, 4, 3, 4, 0, 0, 0]);
    expect(childrenOf(cut.rows, a('art_6')).map((r) => r.unit_kind)).toEqual(['paragraph', 'paragraph', 'paragraph']);
  });

  it('has the sections per amendment read from the text', () => {
    const withSections: Record<number, number> = { 13: 2, 14: 5, 15: 2, 18: 3, 20: 6, 21: 3, 22: 2, 23: 2, 24: 2, 25: 4, 26: 2 };
    for (let n = 1; n <= 27; n++) {
      const secs = childrenOf(cut.rows, a(`amdt_${n}`)).filter((r) => r.unit_kind === 'section').length;
      expect(secs, `amendment ${n}`).toBe(withSections[n] ?? 0);
    }
    expect(cut.rows.filter((r) => r.unit_kind === 'amendment').every((r) => r.section_type === 'amendment')).toBe(true);
  });

  it('resolves known addresses to the right text', () => {
    expect(cut.byAddress.get(a('art_1__sec_8__para_1'))?.text).toContain('To lay and collect Taxes');
    expect(subtreeText(cut.rows, a('art_1__sec_8'))).toContain('To lay and collect Taxes');
    expect(cut.byAddress.get(a('art_1__sec_8__para_3'))?.text).toMatch(/^To regulate Commerce with foreign Nations/);
    expect(cut.byAddress.get(a('amdt_14__sec_1'))?.text).toContain('All persons born or naturalized');
    expect(cut.byAddress.get(a('preamble'))?.text).toMatch(/^We the People of the United States/);
    expect(cut.byAddress.get(a('amdt_27'))?.text).toContain('No law, varying the compensation');
  });

  it('puts the attestation and signatures in one attestation unit', () => {
    const att = cut.byAddress.get(a('attestation'));
    expect(att?.section_type).toBe('attestation');
    expect(att?.text).toContain('Attest William Jackson Secretary');
    expect(att?.text).toContain('G°. Washington');
    expect(att?.text).toContain('Gouv Morris');
    expect(att?.text).not.toContain('Bill of Rights');
  });

  it('excludes NARA notes, ratification lines, page headings, link texts, footnotes and the 1789 resolution', () => {
    const all = cut.rows.map((r) => r.text).join('');
    for (const gone of ['Article the first', 'Article the twelfth', 'Passed by Congress', 'Note:', '*Superseded', '*Changed', 'Amendments 11-27', 'The U.S. Bill of Rights', 'Originally proposed', 'Repealed by amendment 21']) {
      expect(all, gone).not.toContain(gone);
    }
    const ex = excludedTexts(cut.mark);
    const reasons = new Set(ex.map((e) => e.reason));
    expect(reasons).toEqual(new Set(['editorial', 'note', 'footnote', 'link_text', 'page_heading']));
    expect(ex.find((e) => e.text.includes('Article the first'))?.reason).toBe('editorial');
    expect(ex.filter((e) => e.reason === 'footnote').map((e) => e.text.trim())).toEqual([
      '*Superseded by section 3 of the 20th amendment.',
      '*Changed by section 1 of the 26th amendment.',
    ]);
    expect(ex.filter((e) => /^Passed by Congress/.test(e.text))).toHaveLength(source.match(/^Passed by Congress/gm)?.length ?? -1);
    expect(ex.filter((e) => /^Passed by Congress/.test(e.text))).toHaveLength(16); // XI–XXVI; XXVII says "Originally proposed"
    // Title and opening note are front matter before the region.
    expect(cut.mark.text.startsWith('We the People')).toBe(true);
  });

  it('is lossless and deterministic', () => {
    expect(checkLossless(cut.mark.text, cut.rows, cut.mark.excluded)).toEqual({ ok: true });
    const again = cutCorpus('us-constitution', 'nara-us-constitution', P);
    expect(writerDigest(again.rows)).toBe(writerDigest(cut.rows));
    const m = (c: typeof cut): string => manifestDigest({ document_id: 'us-const', source_version_id: c.sourceVersionId, region: c.mark, vocab: c.vocab });
    expect(m(again)).toBe(m(cut));
    expect(again.mark.regionSha).toBe(cut.mark.regionSha);
    expect(new Set(cut.rows.map((r) => r.canonical_address)).size).toBe(cut.rows.length);
  });
});
