import { beforeAll, expect, it } from 'vitest';
import { checkLossless } from '../../../src/cutter/checkLossless.js';
import { writerDigest } from '../../../src/cutter/writerDigest.js';
import { describeWithCorpus } from '../../support/corpus.js';
import { childrenOf, cutCorpus, excludedTexts, type Cut } from './corpusFixture.js';

const P = 'EU-GDPR';
// Real law (../shared/corpus): read in beforeAll, so the suite skips cleanly when the corpus is absent.
let cut: Cut;
const a = (eId: string): string => `${P}/${eId}`;
let source: string;
const count = (kind: string): number => cut.rows.filter((r) => r.unit_kind === kind).length;
const find = (suffix: string) => cut.rows.find((r) => r.canonical_address.endsWith(`__${suffix}`) || r.canonical_address === a(suffix));

// Independent counts: plain regexes over the parts of the raw source, no vocabulary involved.
let recitalPart: string;
let bodyPart: string;

describeWithCorpus('GDPR (EUR-Lex text) with eu-regulation-eurlex', () => {
  beforeAll(() => {
    cut = cutCorpus('gdpr', 'eu-regulation-eurlex', P);
    source = cut.bytes.toString('utf8');
    recitalPart = source.slice(source.indexOf('\nWhereas:\n'), source.indexOf('\nHAVE ADOPTED THIS REGULATION:\n'));
    bodyPart = source.slice(source.indexOf('\nHAVE ADOPTED THIS REGULATION:\n'), source.indexOf('\nThis Regulation shall be binding in its entirety'));
  });

  it('has 173 recitals, 11 chapters, 15 sections, 99 articles', () => {
    expect(recitalPart.match(/^\(\d+\)$/gm)).toHaveLength(173);
    expect(count('recital')).toBe(173);
    expect(count('chapter')).toBe(source.match(/^CHAPTER [IVX]+$/gm)?.length);
    expect(count('chapter')).toBe(11);
    expect(count('section')).toBe(source.match(/^Section \d+$/gm)?.length);
    expect(count('section')).toBe(15);
    expect(count('article')).toBe(source.match(/^Article \d+$/gm)?.length);
    expect(count('article')).toBe(99);
  });

  it('has as many numbered paragraphs and points as label lines in the enacting terms', () => {
    expect(count('paragraph')).toBe(bodyPart.match(/^\d+\. {3}\S/gm)?.length);
    expect(count('point')).toBe(bodyPart.match(/^\(([a-z]{1,2}|[ivx]+|\d+)\)$/gm)?.length);
    expect(count('paragraph')).toBeGreaterThan(300);
  });

  it('nests articles in chapters and sections with Akoma Ntoso eIds', () => {
    const art17 = find('art_17');
    expect(art17?.canonical_address).toBe(a('chp_3__sec_3__art_17'));
    expect(art17?.heading).toBe('Right to erasure (‘right to be forgotten’)');
    expect(find('art_1')?.canonical_address).toBe(a('chp_1__art_1'));
    expect(find('art_99')?.section_type).toBe('final_provisions');
    expect(find('chp_11')?.heading).toBe('Final provisions');
    expect(find('chp_11')?.section_type).toBe('final_provisions');
    expect(find('art_93')?.section_type).toBe('body');
  });

  it('Art. 17(1) has points (a)–(f); 17(1)(a) holds its text', () => {
    const points = childrenOf(cut.rows, a('chp_3__sec_3__art_17__para_1'));
    expect(points.map((p) => p.canonical_address.split('__').pop())).toEqual(['point_a', 'point_b', 'point_c', 'point_d', 'point_e', 'point_f']);
    expect(points.map((p) => p.ordinal)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(points[0]?.text).toContain('no longer necessary in relation to the purposes');
  });

  it('reads "(i)" after "(h)" as a letter (Art. 9(2) has points (a)–(j)) and roman sub-points as labels', () => {
    const points = childrenOf(cut.rows, a('chp_2__art_9__para_2'));
    expect(points.map((p) => p.canonical_address.split('__').pop())).toEqual('abcdefghij'.split('').map((l) => `point_${l}`));
    // GDPR has no roman sub-points ("(ii)" never occurs), so every "(i)" must be read as a letter.
    expect(source.match(/^\(ii\)$/gm)).toBeNull();
    const iPoints = cut.rows.filter((r) => r.canonical_address.endsWith('__point_i'));
    expect(iPoints).toHaveLength(source.match(/^\(i\)$/gm)?.length ?? -1);
    for (const p of iPoints) expect(cut.byAddress.get(p.canonical_address.replace(/point_i$/, 'point_h'))?.parent_address).toBe(p.parent_address);
  });

  it('Art. 4 definitions are arabic points; text after a list of points is a subparagraph', () => {
    expect(childrenOf(cut.rows, a('chp_1__art_4'))).toHaveLength(26);
    expect(find('art_4__point_1')?.text).toContain('‘personal data’ means');
    const subs = cut.rows.filter((r) => r.unit_kind === 'subparagraph');
    expect(subs).toHaveLength(5);
    expect(cut.byAddress.get(a('chp_2__art_6__para_1__subpara_1'))?.text).toMatch(/^Point \(f\) of the first subparagraph/);
  });

  it('has preamble, enacting formula and attestation; footnotes are outside the region', () => {
    expect(cut.byAddress.get(a('preamble'))?.text).toMatch(/^THE EUROPEAN PARLIAMENT AND THE COUNCIL[\s\S]*Whereas:\n\n$/);
    expect(cut.byAddress.get(a('formula_1'))?.text).toBe('HAVE ADOPTED THIS REGULATION:\n\n');
    const att = cut.byAddress.get(a('attestation'));
    expect(att?.section_type).toBe('attestation');
    expect(att?.text).toContain('Done at Brussels, 27 April 2016.');
    expect(cut.mark.text).not.toContain('OJ C 229, 31.7.2012');
    expect(cut.bytes.subarray(cut.mark.end).toString('utf8')).toMatch(/^\(1\) +OJ C 229/);
    expect(excludedTexts(cut.mark)).toEqual([]);
  });

  it('is lossless and deterministic', () => {
    expect(checkLossless(cut.mark.text, cut.rows, cut.mark.excluded)).toEqual({ ok: true });
    expect(writerDigest(cutCorpus('gdpr', 'eu-regulation-eurlex', P).rows)).toBe(writerDigest(cut.rows));
    expect(new Set(cut.rows.map((r) => r.canonical_address)).size).toBe(cut.rows.length);
  });
});
