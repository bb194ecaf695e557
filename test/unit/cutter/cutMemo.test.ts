/**
 * The cut memo (issue 11): the same inputs give the same derivations without re-deriving; any
 * input that differs (a byte of the source, a vocabulary field, the identity, the file name) gives
 * a fresh derivation equal to MARK + CUTPLAN run directly; the memo holds a bounded number of
 * entries; what it returns cannot be changed by a caller.
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { clearCutMemo, CUT_MEMO_ENTRIES, cutKey, cutMemoSize, memoizedCut, type CutInputs } from '../../../src/cutter/cutMemo.js';
import { manifestDigest } from '../../../src/cutter/manifestDigest.js';
import { markRegion } from '../../../src/cutter/markRegion.js';
import { planCut } from '../../../src/cutter/planCut.js';
import { parseVocab, type Vocab } from '../../../src/cutter/vocabSchema.js';
import { writerDigest } from '../../../src/cutter/writerDigest.js';
import { repoRoot } from './corpusFixture.js';

const sourceBytes = readFileSync(path.join(repoRoot, 'knowledge/samples/sample-statute/source.txt'));
const vocabRaw = parse(readFileSync(path.join(repoRoot, 'knowledge/samples/sample-statute/vocab.yaml'), 'utf8')) as Record<string, unknown>;
const vocabOf = (patch: (v: Record<string, unknown>) => void = () => undefined): Vocab => {
  const raw = structuredClone(vocabRaw);
  patch(raw);
  const r = parseVocab(raw);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.vocab;
};
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const base = (): CutInputs => ({
  sourceBytes: Uint8Array.from(sourceBytes),
  vocab: vocabOf(),
  documentId: 'sample-ora',
  docPrefix: 'SAMPLE-ORA',
  sourceVersionId: sha(sourceBytes),
  file: 'knowledge/samples/sample-statute/source.txt',
});

/** MARK + CUTPLAN + digests run directly, without the memo. */
function direct(i: CutInputs) {
  const mark = markRegion(i.sourceBytes, i.vocab, { file: i.file });
  const plan = planCut(mark, i.vocab, { documentId: i.documentId, docPrefix: i.docPrefix, sourceVersionId: i.sourceVersionId });
  return {
    regionSha: mark.regionSha,
    manifest: manifestDigest({ document_id: i.documentId, source_version_id: i.sourceVersionId, region: { start: mark.start, end: mark.end }, vocab: i.vocab }),
    plan,
    writer: writerDigest(plan),
  };
}

function expectSameAsDirect(i: CutInputs): void {
  const cut = memoizedCut(i);
  const d = direct(i);
  expect(cut.mark.regionSha).toBe(d.regionSha);
  expect(cut.manifestDigest()).toBe(d.manifest);
  expect(cut.plan()).toEqual(d.plan);
  expect(cut.writerDigest()).toBe(d.writer);
}

describe('the cut memo', () => {
  beforeEach(() => clearCutMemo());

  it('gives the direct derivation, and the same entry for the same inputs read again (new buffers, new vocabulary object)', () => {
    expectSameAsDirect(base());
    const first = memoizedCut(base());
    const again = memoizedCut(base());
    expect(again).toBe(first);
    expect(again.plan()).toBe(first.plan());
    expect(cutMemoSize()).toBe(1);
  });

  it('a changed source byte, vocabulary field, identity or file name is another key, derived afresh', () => {
    const original = base();
    const edited = base();
    const at = edited.sourceBytes.indexOf(0x20, Math.floor(edited.sourceBytes.length / 2));
    edited.sourceBytes[at] = 0x09;
    const variants: CutInputs[] = [
      edited,
      { ...base(), vocab: vocabOf((v) => { v.name = `${String(v.name)} edited`; }) },
      { ...base(), documentId: 'sample-orb' },
      { ...base(), docPrefix: 'SAMPLE-ORB' },
      { ...base(), sourceVersionId: 'f'.repeat(64) },
      { ...base(), file: 'statute.txt' },
    ];
    const keys = new Set([cutKey(original), ...variants.map(cutKey)]);
    expect(keys.size).toBe(variants.length + 1);
    const first = memoizedCut(original);
    for (const v of variants.slice(0, CUT_MEMO_ENTRIES - 1)) {
      const cut = memoizedCut(v);
      expect(cut).not.toBe(first);
      expectSameAsDirect(v);
    }
    expect(memoizedCut(variants[2] as CutInputs).plan()[0]?.document_id).toBe('sample-orb');
    expect(memoizedCut(variants[3] as CutInputs).plan()[0]?.canonical_address.startsWith('SAMPLE-ORB/')).toBe(true);
  });

  it('the key does not depend on YAML formatting or key order of the vocabulary, only its content', () => {
    const reordered = Object.fromEntries(Object.entries(base().vocab).reverse()) as Vocab;
    expect(cutKey({ ...base(), vocab: reordered })).toBe(cutKey(base()));
  });

  it('keeps only the last CUT_MEMO_ENTRIES inputs (least recently used dropped first)', () => {
    const inputs = Array.from({ length: CUT_MEMO_ENTRIES + 2 }, (_, i) => ({ ...base(), documentId: `sample-o${String.fromCharCode(97 + i)}` }));
    const first = memoizedCut(inputs[0] as CutInputs);
    for (const i of inputs.slice(1)) {
      memoizedCut(i);
      memoizedCut(inputs[0] as CutInputs); // keep the first one recently used
    }
    expect(cutMemoSize()).toBe(CUT_MEMO_ENTRIES);
    expect(memoizedCut(inputs[0] as CutInputs)).toBe(first);
    const dropped = memoizedCut(inputs[1] as CutInputs);
    expect(dropped.key).toBe(cutKey(inputs[1] as CutInputs));
    expect(cutMemoSize()).toBe(CUT_MEMO_ENTRIES);
  });

  it('returns frozen results, and a caller changing its own buffer afterwards does not change the entry', () => {
    const i = base();
    const cut = memoizedCut(i);
    const plan = cut.plan();
    expect(Object.isFrozen(plan)).toBe(true);
    expect(Object.isFrozen(plan[0])).toBe(true);
    expect(Object.isFrozen(cut.mark)).toBe(true);
    const regionSha = cut.mark.regionSha;
    i.sourceBytes.fill(0x41);
    expect(cut.mark.bytes === undefined ? regionSha : sha(cut.mark.bytes)).toBe(regionSha);
    expect(memoizedCut(base()).writerDigest()).toBe(direct(base()).writer);
  });

  it('a MARK failure is thrown and not remembered', () => {
    const bad = { ...base(), sourceBytes: Buffer.from('no region markers here\n') };
    expect(() => memoizedCut(bad)).toThrow();
    expect(cutMemoSize()).toBe(0);
  });
});
