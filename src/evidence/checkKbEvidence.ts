/**
 * KB document evidence (DESIGN §3, §7; reference §1, §8): every document the run uploaded is still
 * committed with the bytes recorded at upload, and the final report hashes to `final_report_sha`.
 *
 * Cost (issue 11): one `git ls-tree -r` per folder holding uploads (one for a run), whatever the
 * number of documents; each document's work-tree bytes are read once and hashed in-process twice
 * (sha256 against the record, git blob id against the id committed at HEAD).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { gitBlobId } from '../kb/kbGit.js';
import type { KbStore } from '../kb/KbStore.js';
import { parseRunFolderName } from '../kb/runDocuments.js';
import type { UploadRecord } from '../../machines/types.js';
import { compare, fromProblems, type Check } from './Check.js';
import type { EvidenceRun, EvidenceSources } from './EvidenceRun.js';

/** sha256 hex of bytes. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The sha256 of a KB file's work-tree bytes, or undefined when it is absent. Never throws for a missing file. */
export async function kbFileSha(kb: Pick<KbStore, 'read'>, relPath: string): Promise<string | undefined> {
  try {
    return sha256Hex(await kb.read(relPath));
  } catch {
    return undefined;
  }
}

/** The file name of a KB path. */
export const fileName = (relPath: string): string => relPath.split('/').pop() ?? relPath;

/** What the checker saw of one uploaded path: HEAD's blob id and the work-tree bytes' hashes. */
interface Observed {
  committed: string | undefined;
  /** sha256 hex of the work-tree bytes, undefined when the file is missing. */
  sha: string | undefined;
  /** Git blob id of the work-tree bytes (same format as `committed`). */
  blob: string | undefined;
}

async function observe(kb: Pick<KbStore, 'read'>, relPath: string, committed: string | undefined): Promise<Observed> {
  let bytes: Uint8Array;
  try {
    bytes = await kb.read(relPath);
  } catch {
    return { committed, sha: undefined, blob: undefined };
  }
  return { committed, sha: sha256Hex(bytes), blob: gitBlobId(bytes, committed?.length ?? 40) };
}

async function checkDocument(upload: UploadRecord, seen: Observed, sources: EvidenceSources): Promise<Check> {
  const { history } = sources;
  const problems: string[] = [];
  const added = await history?.addedIn(upload.path);
  if (added !== undefined && added !== upload.commit) problems.push(`added by commit ${added}, the sidecar recorded ${upload.commit}`);
  if (seen.committed === undefined) problems.push('not committed at HEAD');
  const revisions = await history?.revisions(upload.path);
  if (revisions !== undefined && revisions !== 1) problems.push(`${revisions} revisions (a run document is committed exactly once)`);
  const sha = seen.sha;
  if (sha === undefined) problems.push('missing from the work tree');
  else if (sha !== upload.sha256) problems.push('bytes differ from the sha256 the sidecar recorded at upload');
  else if (seen.committed !== undefined && seen.blob !== seen.committed) problems.push('the bytes committed at HEAD differ from the work tree');
  return fromProblems(
    `kb.document[${fileName(upload.path)}]`,
    problems,
    `${upload.path}: ${history === undefined ? '' : '1 revision, '}sha256 ${upload.sha256}`,
    `${revisions === undefined ? '' : `${revisions} revision(s), `}sha256 ${sha ?? '(absent)'}`,
  );
}

/**
 * @returns one `kb.document[<name>]` per upload (committed at HEAD with the work tree's bytes,
 *   work-tree bytes' sha256 = the record; with `sources.history` also exactly 1 revision and added
 *   by the recorded commit), and `kb.final_report` when `final_report_sha` is pinned or the run
 *   claims to be complete
 */
export async function checkKbEvidence(run: EvidenceRun, sources: EvidenceSources): Promise<Check[]> {
  const committed = new Map<string, string>();
  for (const folder of new Set(run.uploads.map((u) => path.posix.dirname(u.path)))) {
    for (const [file, id] of await sources.kb.blobIds(folder)) committed.set(file, id);
  }
  const seen = new Map<string, Observed>();
  const checks: Check[] = [];
  for (const upload of run.uploads) {
    const observed = await observe(sources.kb, upload.path, committed.get(upload.path));
    seen.set(upload.path, observed);
    checks.push(await checkDocument(upload, observed, sources));
  }

  const pinned = run.pins.final_report_sha;
  if (pinned !== undefined || run.complete === true) {
    const closeout = run.uploads.find((u) => { const p = parseRunFolderName(fileName(u.path)); return p?.kind === 'document' && p.key === 'closeout'; });
    const observed = closeout === undefined ? undefined : seen.get(closeout.path)?.sha;
    const row = compare('kb.final_report', pinned, observed, 'the final report bytes do not hash to final_report_sha');
    if (pinned === undefined) checks.push({ ...row, ok: false, detail: 'final_report_sha is not pinned in a complete run' });
    else if (closeout === undefined) checks.push({ ...row, ok: false, detail: 'no final report upload recorded' });
    else checks.push(row);
  }
  return checks;
}
