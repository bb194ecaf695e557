/**
 * The document as it is NOW in the KB: source bytes, vocabulary, MARK and CUTPLAN from live state.
 * Phases and the internal gate compare these against the run's pins (DESIGN §4).
 */
import type { MemoizedCut } from '../cutter/cutMemo.js';
import type { Mark } from '../cutter/markRegion.js';
import type { IuRow } from '../cutter/iuRow.js';
import { loadDocument, type LoadedDocument } from '../documents/loadDocument.js';
import { cutOfSource } from '../evidence/checkSourceEvidence.js';

/** A live reading of the document; `mark` and `plan` are derived on first access. */
export interface LiveDocument {
  doc: LoadedDocument;
  mark(): Mark;
  /** The plan's rows, shared with the cut memo: read only. */
  plan(): readonly IuRow[];
  /** The plan's warnings (issue 10), file paths relative to the KB: for the cut plan report. */
  planWarnings(): string[];
  manifestDigest(): string;
  writerDigest(): string;
}

/**
 * Reads the document `lawId` from the KB work tree `kbDir`. The bytes and vocabulary are read and
 * hashed on every call; MARK, CUTPLAN and the digests come from the in-process cut memo
 * (`memoizedCut`, issue 11), keyed by those hashes, with the same inputs the internal gate and leg A
 * use: one derivation per process for a source version, however many phases and gates read it.
 * @throws InputError when document.yaml, the source or the vocabulary is missing or invalid
 */
export function liveDocument(kbDir: string, lawId: string): LiveDocument {
  const doc = loadDocument(kbDir, lawId);
  let cut: MemoizedCut | undefined;
  const memo = (): MemoizedCut => (cut ??= cutOfSource(kbDir, doc, doc.sourceBytes, doc.sourceVersionId));
  const kbPrefix = `${kbDir.replace(/\/+$/, '')}/`;
  return {
    doc,
    mark: () => memo().mark,
    plan: () => memo().plan(),
    planWarnings: () => memo().detailed().warnings.map((w) => w.split(kbPrefix).join('')),
    manifestDigest: () => memo().manifestDigest(),
    writerDigest: () => memo().writerDigest(),
  };
}
