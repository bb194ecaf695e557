/**
 * Uploads one run document (a phase report or a gate request) into the run folder, adopting the
 * document an earlier attempt of the same phase already uploaded (DESIGN §3, §5; STYLE: every
 * phase is safe to run twice).
 */
import { KbPathTaken } from '../kb/KbPathTaken.js';
import { UploadFailed } from '../kb/UploadFailed.js';
import { parseRunFolderListing, runDocumentName, type RunDocumentKey } from '../kb/runDocuments.js';
import { utcDateStamp } from '../kb/utcStamp.js';
import { readDocumentYaml } from '../documents/loadDocument.js';
import type { ReportData, ReportLaw } from '../reports/ReportData.js';
import { uploadReport } from '../reports/uploadReport.js';
import { StopError } from '../errors.js';
import { LockHeld } from '../stops/facts.js';
import { addFacts } from '../stops/withFacts.js';
import type { UploadRecord } from '../../machines/types.js';
import type { PhaseDeps } from './PhaseDeps.js';

/**
 * The law a run document is about, for its header: the title of the document's `document.yaml`
 * (issue 12), the law-id and the run's pinned source version (never the live one: a report is about
 * what the run cuts).
 * @throws InputError when the document can no longer be read (the internal gate stops first in a run)
 */
export function reportLawOf(deps: Pick<PhaseDeps, 'config' | 'run'>): ReportLaw {
  const { document } = readDocumentYaml(deps.config.kbDir, deps.run.law_id);
  return { title: document.title, documentId: deps.run.document_id, sourceVersionId: deps.run.source_version_id };
}

/**
 * Renders, scans and uploads `data` as the `key` document of the run folder, with the law's title
 * and source version in its header ({@link reportLawOf}). The file keeps the
 * date of its first upload: a re-run on a later day finds it by its stem and re-uploads the same
 * bytes (a no-op), so every path has exactly one commit.
 *
 * @throws StopError `STOP_DRIFT` when the folder already holds that document with other bytes;
 *   `STOP_KB_UPLOAD` when the upload failed after its retries or the secret scanner blocked it
 * @throws LockHeld (`STOP_LOCKED`, carrying the run id and this document as not written) when
 *   another process kept the KB clone busy longer than the KB lock wait
 */
export async function publishRunDocument(deps: PhaseDeps, key: RunDocumentKey, data: ReportData): Promise<UploadRecord> {
  const folder = deps.run.kb_folder;
  const runId = deps.run.run_id;
  const earlier = parseRunFolderListing(await deps.kb.list(folder)).find((f) => f.kind === 'document' && f.key === key);
  const name = earlier?.name ?? runDocumentName(key, utcDateStamp(deps.clock()));
  const relPath = `${folder}/${name}`;
  try {
    const up = await uploadReport(deps.kb, relPath, { ...data, law: data.law ?? reportLawOf(deps) }, { secrets: deps.config.secrets, scope: key });
    return { path: up.path, sha256: up.sha256, commit: up.commit };
  } catch (err) {
    if (err instanceof KbPathTaken) {
      throw new StopError('STOP_DRIFT', `${relPath} is already in the KB with other bytes than this run now produces`, {
        runId,
        notWritten: [relPath],
        cause: err,
      });
    }
    // The KB clone stayed busy past the lock wait: STOP_LOCKED as the fact says, naming run and document.
    if (err instanceof LockHeld) throw addFacts(err, { runId, notWritten: [relPath] });
    if (err instanceof UploadFailed) {
      throw new StopError('STOP_KB_UPLOAD', `uploading ${relPath} failed after ${err.attempts} attempts: ${err.message}`, {
        runId,
        notWritten: [relPath],
        next: `fix the KB remote, then: orchestrate resume --run-id ${runId}`,
        cause: err,
      });
    }
    throw err;
  }
}

/**
 * {@link publishRunDocument} for a phase that already committed a DB write: a failed upload stops
 * the run saying what WAS written (the rows stay; resume adopts them and uploads the report).
 * @throws StopError with the upload's code and `written` set; LockHeld with `written` set
 */
export async function publishAfterWrite(deps: PhaseDeps, key: RunDocumentKey, data: ReportData, written: string[]): Promise<UploadRecord> {
  try {
    return await publishRunDocument(deps, key, data);
  } catch (err) {
    if (err instanceof StopError) {
      throw new StopError(err.code, `${err.message} (after the database write of ${key}, which is kept and adopted on resume)`, { ...err.details, written, cause: err });
    }
    if (err instanceof LockHeld) throw addFacts(err, { written });
    throw err;
  }
}
