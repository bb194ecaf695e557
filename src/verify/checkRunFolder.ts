/**
 * Run-folder checks of `verify` (DESIGN §3, reference §1 and §8): the folder holds exactly the
 * documents the run uploaded (the 13 of reference §1 for a `done` run), each committed once with the
 * bytes the sidecar recorded, and nothing else but sovereign files.
 */
import { createHash } from 'node:crypto';
import type { KbStore } from '../kb/KbStore.js';
import { RUN_DOCUMENT_KEYS, parseRunFolderName } from '../kb/runDocuments.js';
import type { RunUpload as Upload, RunView } from '../../machines/runView.js';
import type { AddedInCommit } from './addedInCommit.js';
import { compareCheck, problemsCheck, type VerifyCheck } from './VerifyCheck.js';

/** The KB operations the folder checks read with. */
export type KbReader = Pick<KbStore, 'list' | 'read' | 'exists' | 'revisions'>;

/** sha256 hex of bytes. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The sha256 of a KB file's bytes, or undefined when it is absent from the work tree.
 * Never throws for a missing file.
 */
export async function kbFileSha(kb: Pick<KbStore, 'read'>, relPath: string): Promise<string | undefined> {
  try {
    return sha256Hex(await kb.read(relPath));
  } catch {
    return undefined;
  }
}

function expectedSet(ctx: RunView): string[] {
  const problems: string[] = [];
  const keys = ctx.uploads.map((u) => parseRunFolderName(u.name));
  for (const [i, upload] of ctx.uploads.entries()) {
    const parsed = keys[i];
    if (parsed?.kind !== 'document') problems.push(`upload ${upload.name} is not a run document name of reference §1`);
    if (upload.path !== `${ctx.kb_folder}/${upload.name}`) problems.push(`upload ${upload.name} is recorded at ${upload.path}, outside the run folder`);
  }
  for (const key of RUN_DOCUMENT_KEYS) {
    const n = keys.filter((k) => k?.kind === 'document' && k.key === key).length;
    if (n > 1) problems.push(`${n} uploads recorded for ${key}`);
    if (n === 0 && ctx.state === 'done') problems.push(`no upload of ${key} recorded in a done run`);
  }
  return problems;
}

async function checkDocument(kb: KbReader, upload: Upload, addedIn: AddedInCommit | undefined): Promise<VerifyCheck> {
  const problems: string[] = [];
  const added = await addedIn?.(upload.path);
  if (added !== undefined && added !== upload.commit) problems.push(`added by commit ${added}, the sidecar recorded ${upload.commit}`);
  const committed = await kb.exists(upload.path);
  if (!committed) problems.push('not committed at HEAD');
  const revisions = await kb.revisions(upload.path);
  if (revisions !== 1) problems.push(`${revisions} revisions (a run document is committed exactly once)`);
  const sha = await kbFileSha(kb, upload.path);
  if (sha === undefined) problems.push('missing from the work tree');
  else if (sha !== upload.sha256) problems.push('bytes differ from the sha256 the sidecar recorded at upload');
  return problemsCheck(`kb.document[${upload.name}]`, problems, {
    expected: `1 revision, sha256 ${upload.sha256}`,
    observed: `${revisions} revision(s), sha256 ${sha ?? '(absent)'}`,
  });
}

/**
 * @returns `kb.run_folder` (expected names present, no other file except sovereign approvals — and
 *   `VOID-*.md` in a voided run), one `kb.document[<name>]` per recorded upload (committed at HEAD,
 *   exactly 1 revision, bytes' sha256 = the record, and — with `addedIn` — added by the recorded
 *   commit), and `kb.final_report` when `final_report_sha`
 *   is pinned or the run is done
 */
export async function checkRunFolder(kb: KbReader, ctx: RunView, addedIn?: AddedInCommit): Promise<VerifyCheck[]> {
  const listing = await kb.list(ctx.kb_folder);
  const recorded = new Set(ctx.uploads.map((u) => u.name));
  const problems = expectedSet(ctx);
  for (const name of recorded) if (!listing.includes(name)) problems.push(`${name} is missing from the folder`);
  const extra = listing.filter(
    (name) => !recorded.has(name) && parseRunFolderName(name)?.kind !== 'approval' && !(ctx.state === 'voided' && /^VOID-[^/]*\.md$/.test(name)),
  );
  if (extra.length > 0) problems.push(`files the run did not upload: ${extra.join(', ')}`);
  const checks = [
    problemsCheck('kb.run_folder', problems, {
      expected: ctx.state === 'done' ? '13 run documents + sovereign approvals' : `${ctx.uploads.length} uploaded documents + sovereign approvals`,
      observed: `${listing.length} files in ${ctx.kb_folder}`,
    }),
  ];
  for (const upload of ctx.uploads) checks.push(await checkDocument(kb, upload, addedIn));

  const finalPin = ctx.pins.final_report_sha ?? undefined;
  if (finalPin !== undefined || ctx.state === 'done') {
    const closeout = ctx.uploads.find((u) => { const p = parseRunFolderName(u.name); return p?.kind === 'document' && p.key === 'closeout'; });
    const observed = closeout === undefined ? undefined : await kbFileSha(kb, closeout.path);
    const row = compareCheck('kb.final_report', finalPin, observed);
    if (finalPin === undefined) checks.push({ ...row, ok: false, detail: 'context_pins.final_report_sha is not pinned in a done run' });
    else if (closeout === undefined) checks.push({ ...row, ok: false, detail: 'no final report upload recorded' });
    else checks.push(row.ok ? row : { ...row, detail: 'the final report bytes do not hash to final_report_sha' });
  }
  return checks;
}
