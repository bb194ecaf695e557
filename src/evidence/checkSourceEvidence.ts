/**
 * Source and plan evidence (DESIGN §2 source version, §4 phases 1–3): the KB source file still is
 * the run's source version, and the manifest digest, `region_sha` and `writer_digest` re-derived
 * from those bytes and the document's vocabulary are the pinned ones.
 */
import path from 'node:path';
import { memoizedCut, type MemoizedCut } from '../cutter/cutMemo.js';
import type { IuRow } from '../cutter/iuRow.js';
import type { Mark } from '../cutter/markRegion.js';
import { loadDocument, type LoadedDocument } from '../documents/loadDocument.js';
import { compare, fromProblems, type Check } from './Check.js';
import type { EvidenceRun, EvidenceSources } from './EvidenceRun.js';

/** The source rows, and what was re-derived from the run's source bytes (when they were found). */
export interface SourceEvidence {
  checks: Check[];
  /** MARK of the run's source version. */
  mark?: Mark;
  /** CUTPLAN of the run's source version (computed once `writer_digest` or `change_set_id` is pinned). Shared with the memo: read only. */
  plan?: readonly IuRow[];
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** KB-relative path of a document's source file, `/`-separated (the file name MARK and CUTPLAN report). */
export function sourceRelPath(kbDir: string, doc: LoadedDocument): string {
  return path.relative(kbDir, doc.sourcePath).split(path.sep).join('/');
}

/**
 * MARK and CUTPLAN of `bytes` (a version of `doc`'s source, sha256 `sourceVersionId`) with `doc`'s
 * vocabulary and identity, through the in-process memo (`memoizedCut`): the bytes and vocabulary
 * are hashed every call, the derivations happen only for inputs not seen recently. The internal
 * gate and leg A's re-plan use the same inputs, so leg A finds the plan the gate just checked.
 * @throws InputError from MARK
 */
export function cutOfSource(kbDir: string, doc: LoadedDocument, bytes: Uint8Array, sourceVersionId: string): MemoizedCut {
  return memoizedCut({ sourceBytes: bytes, vocab: doc.vocab, documentId: doc.document.law_id, docPrefix: doc.document.doc_prefix, sourceVersionId, file: sourceRelPath(kbDir, doc) });
}

/** `source.version`, and the run's source bytes when they are available. */
async function sourceVersion(run: EvidenceRun, sources: EvidenceSources, doc: LoadedDocument, relPath: string): Promise<{ row: Check; bytes?: Uint8Array }> {
  const wanted = run.source_version_id;
  if (doc.sourceVersionId === wanted) return { row: compare('source.version', wanted, doc.sourceVersionId, ''), bytes: doc.sourceBytes };
  if (sources.history === undefined) {
    return { row: compare('source.version', wanted, doc.sourceVersionId, `source bytes of ${relPath} changed since the run pinned them`) };
  }
  const found = await sources.history.findSource(relPath, wanted);
  const row = compare('source.version', wanted, doc.sourceVersionId, '');
  if (found === undefined) {
    return { row: { ...row, detail: `${relPath} no longer hashes to the run's source version, and no commit of it ever held that version` } };
  }
  if (found.newest) {
    // The committed file is still the run's version: only the work tree was changed, which no upload did.
    return { row: { ...row, detail: `${relPath} has uncommitted changes in the KB work tree; its committed bytes (commit ${found.commit.slice(0, 12)}) are the run's version` }, bytes: found.bytes };
  }
  return {
    row: {
      ...row,
      ok: true,
      detail: `drift, not tampering: a newer source version ${doc.sourceVersionId.slice(0, 16)} was committed since (${found.revisions} revisions of ${relPath}); the run's version is in commit ${found.commit.slice(0, 12)} and is verified from there`,
    },
    bytes: found.bytes,
  };
}

/**
 * @returns `source.version` (the current source is the run's version; with `sources.history` a
 *   newer committed version is drift, not a failure, and the run's bytes are taken from the commit
 *   that holds them), then — when the run's bytes are available — `source.manifest_digest`,
 *   `source.region_sha` and `source.writer_digest` (re-plan), each only when pinned. The
 *   bytes are read and hashed every call; MARK and CUTPLAN come from the memo when the bytes,
 *   vocabulary and identity were seen recently (`cutOfSource`).
 */
export async function checkSourceEvidence(run: EvidenceRun, sources: EvidenceSources): Promise<SourceEvidence> {
  let doc: LoadedDocument;
  try {
    doc = loadDocument(sources.kbDir, run.law_id);
  } catch (error) {
    return { checks: [fromProblems('source.version', [`cannot load document ${run.law_id}: ${message(error)}`], run.source_version_id, '(unreadable)')] };
  }
  const relPath = sourceRelPath(sources.kbDir, doc);
  const { row, bytes } = await sourceVersion(run, sources, doc, relPath);
  const checks = [row];
  if (bytes === undefined) return { checks };
  const pins = run.pins;

  let cut: MemoizedCut;
  try {
    cut = cutOfSource(sources.kbDir, doc, bytes, run.source_version_id);
  } catch (error) {
    checks.push(fromProblems('source.manifest_digest', [`MARK fails on the run's source version: ${message(error)}`], pins.manifest_digest ?? '(a region)', '(MARK failed)'));
    return { checks };
  }
  const mark = cut.mark;
  if (pins.manifest_digest !== undefined) {
    checks.push(compare('source.manifest_digest', pins.manifest_digest, cut.manifestDigest(), 'the vocabulary or region of the document changed since the run (or the pin was altered)'));
  }
  if (pins.region_sha !== undefined) {
    checks.push(compare('source.region_sha', pins.region_sha, mark.regionSha, 'the region MARK finds in the run\'s source version changed (vocabulary markers, or the pin was altered)'));
  }
  if (pins.writer_digest === undefined && pins.change_set_id === undefined) return { checks, mark };
  let plan: readonly IuRow[];
  try {
    plan = cut.plan();
  } catch (error) {
    checks.push(fromProblems('source.writer_digest', [`CUTPLAN fails on the run's source version: ${message(error)}`], pins.writer_digest ?? '(a plan)', '(CUTPLAN failed)'));
    return { checks, mark };
  }
  if (pins.writer_digest !== undefined) {
    checks.push(compare('source.writer_digest', pins.writer_digest, cut.writerDigest(), 'the cut plan re-derived from the source and vocabulary is not the pinned plan'));
  }
  return { checks, mark, plan };
}
