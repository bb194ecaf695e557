/**
 * Source checks of `verify` (DESIGN §2 "source version", §3, §4 phase 1): the KB source file still
 * hashes to the run's `source_version_id` — or, when a newer version was committed since, the run's
 * version is still in the KB history (drift, not fraud) — and the manifest digest recomputes.
 */
import path from 'node:path';
import { manifestDigest } from '../cutter/manifestDigest.js';
import { markRegion, type Mark } from '../cutter/markRegion.js';
import { loadDocument } from '../documents/loadDocument.js';
import type { RunView } from '../../machines/runView.js';
import { findSourceVersion } from './findSourceVersion.js';
import { compareCheck, problemsCheck, type VerifyCheck } from './VerifyCheck.js';

/** The source rows, and MARK of the run's version when its bytes were found (for the lossless check). */
export interface SourceChecks {
  checks: VerifyCheck[];
  mark: Mark | undefined;
}

/**
 * @param kbDir - the KB work tree
 * @returns `source.version` (ok when the current source is the run's version, or when a newer
 *   version was committed since and the run's bytes are found in the source file's git history —
 *   the detail then says so; failed when the work tree has uncommitted changes to the source or the
 *   run's version is in no commit) and `source.manifest_digest` (manifest digest recomputed from those bytes and the current
 *   vocabulary = `context_pins.manifest_digest`, when pinned)
 */
export async function checkSource(kbDir: string, ctx: RunView): Promise<SourceChecks> {
  let doc: ReturnType<typeof loadDocument>;
  try {
    doc = loadDocument(kbDir, ctx.document_id);
  } catch (error) {
    return { checks: [problemsCheck('source.version', [`cannot load document ${ctx.document_id}: ${(error as Error).message}`], { expected: ctx.source_version_id })], mark: undefined };
  }
  const relPath = path.relative(kbDir, doc.sourcePath).split(path.sep).join('/');
  let bytes: Uint8Array | undefined;
  let row: VerifyCheck;
  if (doc.sourceVersionId === ctx.source_version_id) {
    bytes = doc.sourceBytes;
    row = compareCheck('source.version', ctx.source_version_id, doc.sourceVersionId);
  } else {
    const found = await findSourceVersion(kbDir, relPath, ctx.source_version_id);
    bytes = found?.bytes;
    const mismatch = compareCheck('source.version', ctx.source_version_id, doc.sourceVersionId);
    if (found === undefined) {
      row = { ...mismatch, detail: `${relPath} no longer hashes to the run's source version, and no commit of it ever held that version` };
    } else if (found.newest) {
      // The committed file is still the run's version: only the work tree was changed, which no upload did.
      row = { ...mismatch, detail: `${relPath} has uncommitted changes in the KB work tree; its committed bytes (commit ${found.commit.slice(0, 12)}) are the run's version` };
    } else {
      row = {
        ...mismatch,
        ok: true,
        detail: `drift, not tampering: a newer source version ${doc.sourceVersionId.slice(0, 16)} was committed since (${found.revisions} revisions of ${relPath}); the run's version is in commit ${found.commit.slice(0, 12)} and is verified from there`,
      };
    }
  }
  const checks = [row];
  let mark: Mark | undefined;
  if (bytes !== undefined) {
    try {
      mark = markRegion(bytes, doc.vocab, { file: relPath });
    } catch (error) {
      checks.push(problemsCheck('source.manifest_digest', [`MARK fails on the run's source version: ${(error as Error).message}`]));
    }
  }
  const pinned = ctx.pins.manifest_digest ?? undefined;
  if (mark !== undefined && pinned !== undefined) {
    const digest = manifestDigest({ document_id: ctx.document_id, source_version_id: ctx.source_version_id, region: { start: mark.start, end: mark.end }, vocab: doc.vocab });
    const cmp = compareCheck('source.manifest_digest', pinned, digest);
    checks.push(cmp.ok ? cmp : { ...cmp, detail: 'the vocabulary or region of the document changed since the run (or the pin was altered)' });
  }
  return { checks, mark };
}
