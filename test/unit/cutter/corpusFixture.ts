/**
 * Test fixture: real law texts from `../shared/corpus` (read at test time, never copied; tests
 * using them are gated with `describeWithCorpus`/`itWithCorpus` from test/support/corpus.ts) and
 * the shipped vocabularies, cut with MARK and CUTPLAN.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { markRegion, type Mark } from '../../../src/cutter/markRegion.js';
import { planCut } from '../../../src/cutter/planCut.js';
import type { IuRow } from '../../../src/cutter/iuRow.js';
import type { Vocab } from '../../../src/cutter/vocabSchema.js';
import { readVocabFile } from '../../../src/documents/readVocabFile.js';
import { corpusSourcePath, type CorpusName } from '../../support/corpus.js';

/** Repo root, from this file's location. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Absolute path of a corpus source file (`us-constitution`, `udhr`, `gdpr`). */
export function corpusPath(name: CorpusName): string {
  return corpusSourcePath(name);
}

/** A shipped vocabulary, validated. */
export function shippedVocab(name: string): Vocab {
  return readVocabFile(fileURLToPath(new URL(`../../../knowledge/vocab/${name}.yaml`, import.meta.url))).vocab;
}

/** A full cut of one corpus text. */
export interface Cut {
  bytes: Buffer;
  vocab: Vocab;
  mark: Mark;
  rows: IuRow[];
  sourceVersionId: string;
  byAddress: Map<string, IuRow>;
}

/** Marks and plans a corpus text with a shipped vocabulary. */
export function cutCorpus(corpus: CorpusName, vocabName: string, docPrefix: string): Cut {
  const bytes = readFileSync(corpusPath(corpus));
  const vocab = shippedVocab(vocabName);
  const sourceVersionId = createHash('sha256').update(bytes).digest('hex');
  const mark = markRegion(bytes, vocab, { file: corpus });
  const rows = planCut(mark, vocab, { documentId: docPrefix.toLowerCase(), docPrefix, sourceVersionId });
  return { bytes, vocab, mark, rows, sourceVersionId, byAddress: new Map(rows.map((r) => [r.canonical_address, r])) };
}

/** The text of a unit and all its descendants, in document order. */
export function subtreeText(rows: readonly IuRow[], address: string): string {
  return rows
    .filter((r) => r.canonical_address === address || r.canonical_address.startsWith(`${address}__`))
    .map((r) => r.text)
    .join('');
}

/** The bytes of each excluded span, decoded. */
export function excludedTexts(mark: Mark): { reason: string; text: string }[] {
  const region = Buffer.from(mark.text, 'utf8');
  return mark.excluded.map((e) => ({ reason: e.reason, text: region.subarray(e.offset, e.offset + e.length).toString('utf8') }));
}

/** Children of a unit, in order. */
export function childrenOf(rows: readonly IuRow[], address: string | null): IuRow[] {
  return rows.filter((r) => r.parent_address === address);
}
