import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { InputError } from '../../../src/errors.js';
import { checkLossless } from '../../../src/cutter/checkLossless.js';
import { markRegion } from '../../../src/cutter/markRegion.js';
import { planCutDetailed, type DetailedPlan } from '../../../src/cutter/planCut.js';
import { parseVocab, type Vocab } from '../../../src/cutter/vocabSchema.js';
import { repoRoot } from './corpusFixture.js';

// Issue 10: the world's real numbering (gaps, suffixes, ranges, titles on the heading line, a first
// paragraph on the heading line, annexes, heading-like lines inside text) on fixtures written for
// this repository (test/fixtures/layouts/*: source.txt + vocab.yaml), and every formerly silent case
// turned into an error or a warning that names file, line and what to change.

type Layout = 'gapped-code' | 'lettered-constitution' | 'two-paragraph-charter' | 'annexed-act';
const dirOf = (layout: Layout): string => path.join(repoRoot, 'test/fixtures/layouts', layout);
const sourceOf = (layout: Layout): string => readFileSync(path.join(dirOf(layout), 'source.txt'), 'utf8');
const rawVocabOf = (layout: Layout): Record<string, unknown> => parse(readFileSync(path.join(dirOf(layout), 'vocab.yaml'), 'utf8')) as Record<string, unknown>;
const levelOf = (raw: Record<string, unknown>, kind: string): Record<string, unknown> =>
  (raw['levels'] as Record<string, unknown>[]).find((l) => l['kind'] === kind) as Record<string, unknown>;

function vocabFrom(raw: Record<string, unknown>): Vocab {
  const r = parseVocab(raw);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.vocab;
}

function planOf(layout: Layout, opts: { text?: string; patch?: (raw: Record<string, unknown>) => void } = {}): DetailedPlan & { text: string } {
  const raw = rawVocabOf(layout);
  opts.patch?.(raw);
  const vocab = vocabFrom(raw);
  const text = opts.text ?? sourceOf(layout);
  const mark = markRegion(Buffer.from(text, 'utf8'), vocab, { file: 'source.txt' });
  const plan = planCutDetailed(mark, vocab, { documentId: layout, docPrefix: 'X', sourceVersionId: '0'.repeat(64) });
  expect(checkLossless(mark.text, plan.rows, mark.excluded)).toEqual({ ok: true });
  return { ...plan, text };
}

function errorOf(layout: Layout, opts: { text?: string; patch?: (raw: Record<string, unknown>) => void }): InputError {
  try {
    planOf(layout, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('expected an InputError, got a plan');
}

/** 1-based line of the first line of `text` starting with `prefix`. */
const lineOf = (text: string, prefix: string): number => text.split('\n').findIndex((l) => l.startsWith(prefix)) + 1;
const addresses = (plan: DetailedPlan): string[] => plan.rows.map((r) => r.canonical_address.slice('X/'.length));
const row = (plan: DetailedPlan, address: string) => plan.rows.find((r) => r.canonical_address === `X/${address}`);

describe('a code numbered with gaps and inserted numbers (order: increasing)', () => {
  it('addresses every section by its own number, suffixes kept, titles in heading', () => {
    const plan = planOf('gapped-code');
    const sections = addresses(plan).filter((a) => a.includes('sec_'));
    expect(sections).toEqual([
      ...[1, 2, 3, 4, 5, 6, 7, 8].map((n) => `chp_1__sec_${n}`),
      ...['101', '102', '104', '106', '106a', '106b', '107'].map((n) => `chp_2__sec_${n}`),
      'chp_2a__sec_150', 'chp_2a__sec_151', 'chp_3__sec_201', 'chp_3__sec_213',
    ]);
    expect(addresses(plan).filter((a) => !a.includes('__'))).toEqual(['chp_1', 'chp_2', 'chp_2a', 'chp_3']);
    expect(row(plan, 'chp_1__sec_1')?.heading).toBe('Words denoting number');
    expect(row(plan, 'chp_2a')?.heading).toBe('Commercial chambers');
    expect(row(plan, 'chp_2__sec_106a')?.text).toBe('§ 106a. Electronic filing\nA claim may be filed electronically.\nThe date of filing is the date the court\'s system receives it.\n\n');
    expect(plan.warnings).toEqual([]);
  });

  it('without order: increasing, the first gap is an error that says where and what to set', () => {
    const e = errorOf('gapped-code', { patch: (raw) => void delete levelOf(raw, 'section')['order'] });
    const text = sourceOf('gapped-code');
    expect(e.message).toContain('section 101 out of sequence: expected number 9 or 8a');
    expect(e.message).toContain('set order: increasing on level section');
    expect(e.where).toMatchObject({ file: 'source.txt', line: lineOf(text, '§ 101.') });
  });

  it('with order: increasing, a number smaller than the last (a suffix out of order) is an error', () => {
    const text = sourceOf('gapped-code').replace('§ 106a. Electronic', '§ 106c. Electronic').replace('§ 106b. Signatures', '§ 106a. Signatures');
    const e = errorOf('gapped-code', { text });
    expect(e.message).toContain('section 106a out of order: must come after section 106c (order: increasing)');
    expect(e.where.line).toBe(lineOf(text, '§ 106a. Signatures'));
  });

  it('order: none accepts any order and still refuses a repeated number', () => {
    const swapped = sourceOf('gapped-code').replace('§ 213. Time limit', '§ 200. Time limit');
    const plan = planOf('gapped-code', { text: swapped.replace('§ 201. Right', '§ 205. Right'), patch: (raw) => void (levelOf(raw, 'section')['order'] = 'none') });
    expect(addresses(plan).slice(-2)).toEqual(['chp_3__sec_205', 'chp_3__sec_200']);
    const e = errorOf('gapped-code', { text: swapped.replace('§ 200. Time', '§ 201. Time'), patch: (raw) => void (levelOf(raw, 'section')['order'] = 'none') });
    expect(e.message).toContain('section 201 repeated: numbers of this level may come in any order (order: none) but not twice in one sequence');
  });
});

describe('a constitution with lettered parts, lettered articles and repealed ranges', () => {
  const plan = (): ReturnType<typeof planOf> => planOf('lettered-constitution');

  it('"IV a.", "VIIIa." and "X a." are parts of their own at the top level, after IV, VIII and X', () => {
    const parts = plan().rows.filter((r) => r.unit_kind === 'part');
    expect(parts.map((r) => r.canonical_address.slice(2))).toEqual(['part_1', 'part_2', 'part_3', 'part_4', 'part_4a', 'part_5', 'part_6', 'part_7', 'part_8', 'part_8a', 'part_9', 'part_10', 'part_10a', 'part_11']);
    for (const p of parts) expect(p.parent_address).toBeNull();
    expect(row(plan(), 'part_4a')).toMatchObject({ heading: 'The Joint Committee', ordinal: 5 });
    expect(row(plan(), 'part_4a__art_53a')?.parent_address).toBe('X/part_4a');
  });

  it('lettered articles keep their letter and their title', () => {
    expect(row(plan(), 'part_3__art_45d')?.heading).toBe('Parliamentary Control Panel');
    expect(row(plan(), 'part_2__art_20a')?.heading).toBe('Protection of the natural foundations of life');
  });

  it('a range heading gives each number an address; the first holds the text, the others are empty', () => {
    const p = plan();
    expect(addresses(p)).toEqual(expect.arrayContaining(['part_1__art_12', 'part_1__art_13', 'part_1__art_14', 'part_7__art_74a', 'part_7__art_75']));
    expect(row(p, 'part_7__art_74a')).toMatchObject({ text: 'Art 74a and 75 (repealed)\n\n', heading: '(repealed)' });
    const i75 = p.rows.findIndex((r) => r.canonical_address === 'X/part_7__art_75');
    expect(p.rows[i75]).toMatchObject({ text: '', heading: '(repealed)', parent_address: 'X/part_7', unit_kind: 'article' });
    expect(p.spans[i75]).toEqual({ offset: p.spans[i75 - 1]?.offset, length: 0, coveredBy: 'X/part_7__art_74a' });
    expect(addresses(p)[i75 + 1]).toBe('part_7__art_76');
  });

  it('a heading-like date at a line start inside a paragraph stays in the paragraph, with a warning', () => {
    const p = plan();
    expect(row(p, 'part_7__art_76__para_2')?.text).toBe('(2) This article applies in its amended form from\n1. October 1969 onwards, for every bill not yet introduced.\n\n');
    expect(addresses(p).some((a) => a.includes('point'))).toBe(false);
    expect(p.warnings).toEqual([
      `line looks like a point heading but follows text without a blank line: kept as text of the block above (set inline: true on level point if it is a heading) (source.txt:${lineOf(p.text, '1. October 1969')}, offset ${Buffer.byteLength(p.text.slice(0, p.text.indexOf('1. October 1969')))})`,
    ]);
  });

  it('a lettered part out of order is an error naming the expected numbers', () => {
    const text = sourceOf('lettered-constitution').replace('IV a. - The Joint', 'IV b. - The Joint');
    const e = errorOf('lettered-constitution', { text });
    expect(e.message).toContain('part IV b out of sequence: expected number 5 or 4a');
    expect(e.where.line).toBe(lineOf(text, 'IV b.'));
  });

  it('without a num_last group a range heading is a warning naming the missing group', () => {
    const p = planOf('lettered-constitution', { patch: (raw) => void (levelOf(raw, 'article')['pattern'] = '^Art (?<num>\\d+[a-z]?)(?: (?<title>.+))?$') });
    expect(addresses(p)).not.toContain('part_7__art_75');
    expect(p.warnings.filter((w) => w.includes('looks like a range'))).toEqual([
      expect.stringContaining(`article 12: the heading looks like a range or list of numbers; only 12 gets an address unless the pattern captures the last number in a (?<num_last>…) group (source.txt:${lineOf(p.text, 'Art 12 to 14')}`),
      expect.stringContaining(`article 74a: the heading looks like a range or list of numbers; only 74a gets an address unless the pattern captures the last number in a (?<num_last>…) group (source.txt:${lineOf(p.text, 'Art 74a and 75')}`),
    ]);
  });

  it('paragraphs right below a heading line without inline: the sequence error names the line kept as text', () => {
    const e = errorOf('lettered-constitution', { patch: (raw) => void delete levelOf(raw, 'paragraph')['inline'] });
    const text = sourceOf('lettered-constitution');
    expect(e.message).toContain(`paragraph 2 out of sequence: the first paragraph at this level must be number 1; line ${lineOf(text, '(1) Human dignity')} looks like a paragraph heading but follows text without a blank line and was kept as text: set inline: true on level paragraph`);
  });

  it('a range that ends before it starts is an error', () => {
    const text = sourceOf('lettered-constitution').replace('Art 74a and 75 (repealed)', 'Art 74a and 74 (repealed)');
    expect(errorOf('lettered-constitution', { text }).message).toContain('range heading article 74a to 74: the range ends before it starts');
  });
});

describe('a charter whose clause heading line carries its first paragraph (text_on_heading_line)', () => {
  it('a two-paragraph clause gets paragraphs 1 and 2; one-paragraph clauses get none', () => {
    const p = planOf('two-paragraph-charter');
    expect(addresses(p)).toEqual(['preamble', 'clause_1', 'clause_2', 'clause_3', 'clause_3__para_1', 'clause_3__para_2', 'clause_4']);
    expect(row(p, 'clause_3__para_1')?.text).toMatch(/^3\. Since, moreover, records kept in one library/);
    expect(row(p, 'clause_3__para_2')?.text).toBe('The Association publishes the shared catalogue once a year.\n\n');
    expect(row(p, 'clause_3')?.text).toBe('');
  });

  it('without it the clause stays one unit (when_several sees one plain block), as before', () => {
    const p = planOf('two-paragraph-charter', { patch: (raw) => void delete levelOf(raw, 'clause')['text_on_heading_line'] });
    expect(addresses(p)).toEqual(['preamble', 'clause_1', 'clause_2', 'clause_3', 'clause_4']);
  });
});

describe('an act with annexes (section type annex, repeating, Akoma Ntoso attachments)', () => {
  it('each annex is an att_N unit with its own items', () => {
    const p = planOf('annexed-act');
    expect(addresses(p)).toEqual(['sec_1', 'sec_2', 'sec_3', 'att_1', 'att_1__item_1', 'att_1__item_2', 'att_1__item_3', 'att_2', 'att_2__item_1', 'att_2__item_2']);
    expect(p.rows.filter((r) => r.section_type === 'annex').map((r) => r.canonical_address.slice(2))).toEqual(addresses(p).slice(3));
    expect(row(p, 'att_2')?.text).toBe('ANNEX II\n\nRecords kept for thirty years\n\n');
    expect(row(p, 'att_1')?.heading).toBe('Records every public body keeps');
    expect(row(p, 'att_2')?.heading).toBe('Records kept for thirty years');
  });

  it('without repeat the second annex is text of the first annex', () => {
    const e = errorOf('annexed-act', { patch: (raw) => void delete (raw['sections'] as Record<string, unknown>[])[1]?.['repeat'] });
    expect(e.message).toContain('item 1 repeated or out of sequence: expected number 4 or 3a');
  });

  it('repeat without a numbered unit is refused by the schema', () => {
    const raw = rawVocabOf('annexed-act');
    ((raw['sections'] as Record<string, unknown>[])[1] as Record<string, unknown>)['unit'] = { kind: 'attachment', abbr: 'att' };
    const r = parseVocab(raw);
    expect(r.ok).toBe(false);
    expect(r.ok ? [] : r.issues).toContainEqual({ path: 'sections.1.repeat', message: 'a repeating section needs a start pattern and a numbered unit' });
  });
});

describe('vocab_format 1 is read as before (documents already in a KB plan the same rows)', () => {
  it('the constitution as format 1: "IV a." is an error pointing to format 2, not a silent paragraph', () => {
    const e = errorOf('lettered-constitution', { patch: (raw) => void (raw['vocab_format'] = 1) });
    expect(e.message).toContain('line matches the pattern of level part but is not read as its heading: "IV a" is not a number of style roman (vocab_format: 2 reads suffixed numbers such as IVa or ca)');
    expect(e.where.line).toBe(lineOf(sourceOf('lettered-constitution'), 'IV a.'));
  });

  it('the gapped code as format 1: every level line starts a block, titles and num_last are not read', () => {
    const text = sourceOf('gapped-code').replace('§ 104. Venue\n', 'Venue rules follow.\n§ 104. Venue\n');
    const v1 = planOf('gapped-code', { text, patch: (raw) => void (raw['vocab_format'] = 1) });
    const v2 = planOf('gapped-code', { text });
    expect(v1.rows.every((r) => r.heading === null)).toBe(true);
    expect(addresses(v1)).toEqual([...addresses(v2).slice(0, addresses(v2).indexOf('chp_2__sec_106')), 'chp_2__sec_104', ...addresses(v2).slice(addresses(v2).indexOf('chp_2__sec_106'))]);
    expect(addresses(v1)).toContain('chp_2__sec_104');
    expect(addresses(v2)).not.toContain('chp_2__sec_104');
    expect(v2.warnings).toEqual([expect.stringContaining('line looks like a section heading but follows text without a blank line')]);
  });
});

describe('no silent mis-cut', () => {
  it('a heading line whose number is not of the level\'s style is an error; optional makes it a warning', () => {
    const text = sourceOf('gapped-code').replace('Chapter 2a Commercial', 'Chapter 2-bis Commercial');
    const patch = (raw: Record<string, unknown>): void => void (levelOf(raw, 'chapter')['pattern'] = '^Chapter (?<num>\\S+) (?<title>.+)$');
    const e = errorOf('gapped-code', { text, patch });
    expect(e.message).toContain('line matches the pattern of level chapter but is not read as its heading: "2-bis" is not a number of style arabic');
    expect(e.message).toContain('mark the level optional: true');
    expect(e.where.line).toBe(lineOf(text, 'Chapter 2-bis'));

    const p = planOf('gapped-code', { text, patch: (raw) => { patch(raw); levelOf(raw, 'chapter')['optional'] = true; } });
    expect(p.warnings).toHaveLength(1);
    expect(p.warnings[0]).toContain(`line matches the pattern of optional level chapter, kept as text: "2-bis" is not a number of style arabic (source.txt:${lineOf(text, 'Chapter 2-bis')}`);
    expect(row(p, 'chp_2__sec_107')?.text).toContain('Chapter 2-bis Commercial chambers');
  });

  it('a heading line with no open unit that may hold it is an error naming the parents and the open units', () => {
    const text = sourceOf('gapped-code').replace('Chapter 3 Appeals\n', 'Chapter 3 Appeals\n\n(a) a stray point\n');
    const e = errorOf('gapped-code', {
      text,
      patch: (raw) => (raw['levels'] as unknown[]).push({ kind: 'point', abbr: 'point', pattern: '^\\((?<num>[a-z])\\) ', number: 'letter', parents: ['section'] }),
    });
    expect(e.message).toContain('line matches the pattern of level point but is not read as its heading: no open unit may hold it (parents: section; open: chapter)');
    expect(e.where.line).toBe(lineOf(text, '(a) a stray'));
  });

  it('plain blocks before a unit\'s first child are named in a warning (they get no paragraph address)', () => {
    const text = sourceOf('lettered-constitution').replace('Art 20 Constitutional principles\n', 'Art 20 Constitutional principles\n\nThe principles of this article bind every state authority.\n\n');
    const p = planOf('lettered-constitution', { text, patch: (raw) => void (raw['unnumbered_paragraphs'] = { mode: 'always', parents: ['article'] }) });
    expect(p.warnings).toContainEqual(expect.stringContaining(`part_2__art_20: 1 plain block(s) before its first child unit stay in its own text and get no para address (a unit with child units gets no unnumbered paragraphs) (source.txt:${lineOf(text, 'The principles of this article')}`));
    expect(row(p, 'part_2__art_20')?.text).toContain('The principles of this article bind');
  });
});

describe('review regressions (issue 10 follow-up)', () => {
  const vocab2 = (levels: unknown[], extra: Record<string, unknown> = {}): Vocab => vocabFrom({ vocab_format: 2, name: 'r', sections: [{ type: 'body' }], levels, ...extra });
  const plan = (vocab: Vocab, text: string): DetailedPlan =>
    planCutDetailed(markRegion(Buffer.from(text, 'utf8'), vocab, { file: 's.txt' }), vocab, { documentId: 'r', docPrefix: 'X', sourceVersionId: '0'.repeat(64) });
  const error = (vocab: Vocab, text: string): string => {
    try {
      plan(vocab, text);
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error('expected an error');
  };
  const article = { kind: 'article', abbr: 'art', pattern: '^Article (?<num>\\d+[a-z]?)(?: (?:to|and) (?<num_last>\\d+[a-z]?))?(?: (?<title>.+))?$', number: 'arabic', parents: ['root'], sequence: 'document' };

  it('order: none refuses a number repeated in a document-wide sequence under another parent', () => {
    const v = vocab2([
      { kind: 'chapter', abbr: 'chp', pattern: '^Chapter (?<num>\\d+)$', number: 'arabic', parents: ['root'], sequence: 'document' },
      { kind: 'section', abbr: 'sec', pattern: '^§ (?<num>\\d+)\\.', number: 'arabic', parents: ['chapter'], sequence: 'document', order: 'none' },
    ]);
    expect(error(v, 'Chapter 1\n\n§ 5. a\n\nChapter 2\n\n§ 5. b\n')).toContain('section 5 repeated');
  });

  it('ranges: letters past z and suffixes within one number get their own addresses', () => {
    const point = { kind: 'point', abbr: 'point', pattern: '^\\((?<num>[a-z]{1,2})\\) to \\((?<num_last>[a-z]{1,2})\\)', number: 'letter', parents: ['root'], order: 'increasing' };
    expect(addresses(plan(vocab2([point]), '(y) to (bb) deleted\n'))).toEqual(['point_y', 'point_z', 'point_aa', 'point_bb']);
    expect(addresses(plan(vocab2([article]), 'Article 1 first\n\nArticle 1a to 1c repealed\n\nArticle 2 last\n'))).toEqual(['art_1', 'art_1a', 'art_1b', 'art_1c', 'art_2']);
  });

  it('the range look-alike warning reads after the num group and wants a number of the style', () => {
    const part = { kind: 'part', abbr: 'part', pattern: '^(?<num>[IVX]+)\\. - (?<title>.+)$', number: 'roman', parents: ['root'], sequence: 'document' };
    expect(plan(vocab2([part]), 'I. - CIVIL RIGHTS\n\nII. - Duties\n').warnings).toEqual([]);
    const dashed = { ...article, pattern: '^Article (?<num>\\d+)(?: - (?<title>.+))?$' };
    expect(plan(vocab2([dashed]), 'Article 1 - 2019 amendments\n').warnings).toEqual([]);
    const upper = { kind: 'article', abbr: 'art', pattern: '^ARTICLE (?<num>[IVX]+)\\b', number: 'roman', parents: ['root'], order: 'increasing' };
    expect(plan(vocab2([upper]), 'ARTICLE I and II\n').warnings).toEqual([expect.stringContaining('article I: the heading looks like a range')]);
  });

  it('a sequence error names a kept line only when it lies in the unit the number would sit in', () => {
    const para = { kind: 'paragraph', abbr: 'para', pattern: '^\\((?<num>\\d+)\\) ', number: 'arabic', parents: ['article'] };
    const message = error(vocab2([article, para]), 'Article 1\n\n(1) a cites\n(2) of another act\n\n(2) c\n\nArticle 2\n\n(1) x\n\n(3) y\n');
    expect(message).toContain('paragraph 3 out of sequence');
    expect(message).not.toContain('looks like a paragraph heading');
  });

  it('no heading look-alike warning inside an unstructured section', () => {
    const v = vocab2([article], { sections: [{ type: 'body' }, { type: 'attestation', start: '^Done at', structured: false, unit: { kind: 'attestation', abbr: 'attestation' } }] });
    expect(plan(v, 'Article 1\n\nDone at Brussels\nArticle 2\n').warnings).toEqual([]);
  });

  it('format 2: "(iv)" is not letter i with suffix v; a label keeps a spaced number readable', () => {
    const v = vocab2([{ kind: 'point', abbr: 'point', pattern: '^\\((?<num>[a-z]{1,2})\\)', number: 'letter', parents: ['root'], order: 'increasing' }]);
    expect(error(v, '(i)\n\n(iv)\n')).toContain('"iv" is not a number of style letter');
    const label = { kind: 'part', abbr: 'part', pattern: '^Part (?<num>[IVX]+(?: [a-z])?)$', number: 'roman', number_id: 'label', parents: ['root'], sequence: 'document' };
    expect(addresses(plan(vocab2([label]), 'Part I\n\nPart I a\n'))).toEqual(['part_i', 'part_ia']);
  });
});
