/**
 * The document as it is NOW in the KB: source bytes, vocabulary, MARK and CUTPLAN recomputed from
 * live state. Phases and the internal gate compare these against the run's pins (DESIGN §4).
 */
import { manifestDigest } from '../cutter/manifestDigest.js';
import { markRegion, type Mark } from '../cutter/markRegion.js';
import { planCutDetailed, type DetailedPlan } from '../cutter/planCut.js';
import type { IuRow } from '../cutter/iuRow.js';
import { writerDigest } from '../cutter/writerDigest.js';
import { loadDocument, type LoadedDocument } from '../documents/loadDocument.js';

/** A live reading of the document; `mark` and `plan` are computed on first access. */
export interface LiveDocument {
  doc: LoadedDocument;
  mark(): Mark;
  plan(): IuRow[];
  /** The plan's warnings (issue 10), file paths relative to the KB: for the cut plan report. */
  planWarnings(): string[];
  manifestDigest(): string;
  writerDigest(): string;
}

/**
 * Reads the document `lawId` from the KB work tree `kbDir`.
 * @throws InputError when document.yaml, the source or the vocabulary is missing or invalid
 */
export function liveDocument(kbDir: string, lawId: string): LiveDocument {
  const doc = loadDocument(kbDir, lawId);
  let mark: Mark | undefined;
  let plan: DetailedPlan | undefined;
  const getMark = (): Mark => (mark ??= markRegion(doc.sourceBytes, doc.vocab, { file: doc.sourcePath }));
  const getDetailed = (): DetailedPlan =>
    (plan ??= planCutDetailed(getMark(), doc.vocab, { documentId: doc.document.law_id, docPrefix: doc.document.doc_prefix, sourceVersionId: doc.sourceVersionId }));
  const getPlan = (): IuRow[] => getDetailed().rows;
  return {
    doc,
    mark: getMark,
    plan: getPlan,
    planWarnings: () => getDetailed().warnings.map((w) => w.split(`${kbDir.replace(/\/+$/, '')}/`).join('')),
    manifestDigest: () =>
      manifestDigest({ document_id: doc.document.law_id, source_version_id: doc.sourceVersionId, region: { start: getMark().start, end: getMark().end }, vocab: doc.vocab }),
    writerDigest: () => writerDigest(getPlan()),
  };
}
