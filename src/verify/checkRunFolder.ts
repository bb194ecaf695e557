/**
 * The run-folder check of `verify` (DESIGN §3, reference §1 and §8): the folder holds exactly the
 * documents the run uploaded (the 13 of reference §1 for a `done` run) and nothing else but
 * sovereign files. Each document's bytes and commit are evidence rows (`kb.document[…]`, src/evidence).
 */
import type { KbStore } from '../kb/KbStore.js';
import { RUN_DOCUMENT_KEYS, parseRunFolderName } from '../kb/runDocuments.js';
import type { RunView } from '../../machines/runView.js';
import { problemsCheck, type VerifyCheck } from './VerifyCheck.js';

/** The KB operations the folder checks read with. */
export type KbReader = Pick<KbStore, 'list' | 'read' | 'exists' | 'revisions' | 'blobIds' | 'readBlob'>;

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

/**
 * @returns `kb.run_folder`: the recorded uploads are run documents of reference §1 inside the run
 *   folder, one per step (all 13 in a done run), all present, and no other file except sovereign
 *   approvals, files a gate refused (on record in the snapshot) — and `VOID-*.md` in a voided run
 */
export async function checkRunFolder(kb: KbReader, ctx: RunView): Promise<VerifyCheck> {
  const listing = await kb.list(ctx.kb_folder);
  const recorded = new Set(ctx.uploads.map((u) => u.name));
  const problems = expectedSet(ctx);
  for (const name of recorded) if (!listing.includes(name)) problems.push(`${name} is missing from the folder`);
  // A file a gate refused (e.g. `misnamed`) is on record in the snapshot, so it is no stranger.
  const refused = new Set(Object.values(ctx.approvals).flatMap((g) => g.refused.map((r) => r.name)));
  const extra = listing.filter(
    (name) => !recorded.has(name) && !refused.has(name) && parseRunFolderName(name)?.kind !== 'approval' && !(ctx.state === 'voided' && /^VOID-[^/]*\.md$/.test(name)),
  );
  if (extra.length > 0) problems.push(`files the run did not upload: ${extra.join(', ')}`);
  return problemsCheck('kb.run_folder', problems, {
    expected: ctx.state === 'done' ? '13 run documents + sovereign approvals' : `${ctx.uploads.length} uploaded documents + sovereign approvals`,
    observed: `${listing.length} files in ${ctx.kb_folder}`,
  });
}
