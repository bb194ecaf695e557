import { beforeAll, expect, it } from 'vitest';
import { checkLossless } from '../../../src/cutter/checkLossless.js';
import { describeWithCorpus } from '../../support/corpus.js';
import { childrenOf, cutCorpus, type Cut } from './corpusFixture.js';

const P = 'UN-UDHR';
// Real law (../shared/corpus): read in beforeAll, so the suite skips cleanly when the corpus is absent.
let cut: Cut;
const a = (eId: string): string => `${P}/${eId}`;
let source: string;

describeWithCorpus('UDHR with udhr vocabulary', () => {
  beforeAll(() => {
    cut = cutCorpus('udhr', 'udhr', P);
    source = cut.bytes.toString('utf8');
  });

  it('has a preamble with its 10 paragraphs and 30 articles', () => {
    const roots = childrenOf(cut.rows, null);
    expect(roots.map((r) => r.unit_kind)).toEqual(['preamble', ...Array<string>(30).fill('article')]);
    expect(source.match(/^Article \d+$/gm)).toHaveLength(30);
    expect(childrenOf(cut.rows, a('preamble'))).toHaveLength(10);
    expect(cut.byAddress.get(a('preamble__para_10'))?.text).toMatch(/^Proclaims this Universal Declaration/);
  });

  it('has every numbered paragraph, and splits articles with several unnumbered paragraphs', () => {
    const numbered = cut.rows.filter((r) => r.unit_kind === 'paragraph' && /^\d+\. /.test(r.text));
    expect(numbered).toHaveLength(source.match(/^\d+\. /gm)?.length ?? -1);
    expect(childrenOf(cut.rows, a('art_26')).map((r) => r.canonical_address)).toEqual([1, 2, 3].map((n) => a(`art_26__para_${n}`)));
    expect(childrenOf(cut.rows, a('art_2'))).toHaveLength(2);
    expect(childrenOf(cut.rows, a('art_1'))).toHaveLength(0);
    expect(cut.byAddress.get(a('art_1'))?.text).toContain('All human beings are born free and equal');
    expect(cut.byAddress.get(a('art_11__para_2'))?.text).toMatch(/^2\. No one shall be held guilty/);
  });

  it('is lossless and keeps U+2010 hyphens byte-exact', () => {
    expect(checkLossless(cut.mark.text, cut.rows, cut.mark.excluded)).toEqual({ ok: true });
    expect(cut.byAddress.get(a('art_2__para_2'))?.text).toContain('non‐self‐governing');
    expect(cut.mark.end).toBe(cut.bytes.length);
  });
});
