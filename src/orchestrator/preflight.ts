/**
 * The `cut` preflight (issue 12): everything a run will need is checked before the run is created,
 * so a bad setup creates nothing (no sidecar, no KB folder, no DB row) instead of stopping a run three
 * phases in. Checks: the KB is a git work tree made by `init` and the document is committed in it;
 * the document's vocabulary plans its source (MARK + CUTPLAN); the backup recipients can receive
 * encrypted data; the trusted keyring loads. The database is checked by the caller opening it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadBackupRecipients } from '../backup/loadBackupRecipients.js';
import { readRecipientKeys } from '../backup/encryptBackup.js';
import { loadKeyring } from '../approval/loadKeyring.js';
import type { Config } from '../config/configSchema.js';
import { InputError, formatLocation } from '../errors.js';
import type { KbStore } from '../kb/KbStore.js';
import type { LiveDocument } from './liveDocument.js';

/** One failed preflight check: what (a config path or file) and why, with the fix. */
export interface PreflightProblem {
  path: string;
  message: string;
  next?: string;
}

const problemOf = (check: string, error: unknown, next?: string): PreflightProblem => {
  if (error instanceof InputError) {
    const where = formatLocation(error.where);
    const fix = error.next ?? next;
    return { path: check, message: where === '' ? error.message : `${error.message} (${where})`, ...(fix === undefined ? {} : { next: fix }) };
  }
  return { path: check, message: error instanceof Error ? error.message : String(error), ...(next === undefined ? {} : { next }) };
};

/**
 * Refuses a workspace that `init` did not make (issue 12: only `init` creates): a KB work tree
 * without `.git` (missing, or its `.git` removed) and, with `sidecars`, a missing sidecars
 * directory. Nothing is created or re-initialised here, so a typo in `-w` or a damaged KB is a
 * clear error instead of a fresh empty workspace with misleading stops later.
 * @throws InputError (STOP_INPUT) naming the directory and the fix
 */
export function assertWorkspace(config: Pick<Config, 'kbDir' | 'sidecarsDir'>, options: { sidecars?: boolean } = {}): void {
  const fix = 'run `orchestrate init` in the workspace (or clone the KB remote into kb/), or point -w / ORCHESTRATE_WORKSPACE at an existing workspace; only init creates one';
  if (!existsSync(path.join(config.kbDir, '.git'))) {
    const missing = existsSync(config.kbDir) ? `${config.kbDir} has no .git` : `${config.kbDir} does not exist`;
    throw new InputError(`the KB work tree is missing: ${missing}`, { file: config.kbDir }, [], fix);
  }
  if (options.sidecars === true && !existsSync(config.sidecarsDir)) {
    throw new InputError(`the sidecars directory ${config.sidecarsDir} does not exist`, { file: config.sidecarsDir }, [], fix);
  }
}

/**
 * Runs every check and reports them all at once.
 * @param live - the document as read from the KB (loading it already checked document.yaml, the source and the vocabulary schema)
 * @throws InputError (STOP_INPUT) listing every problem in `issues` (path + message); nothing was created
 */
export async function preflightCut(config: Config, kb: KbStore, live: LiveDocument): Promise<void> {
  const problems: PreflightProblem[] = [];
  const rel = (abs: string): string => path.relative(config.kbDir, abs).split(path.sep).join('/');
  for (const file of [live.doc.documentPath, live.doc.sourcePath]) {
    if (!(await kb.exists(rel(file)))) {
      problems.push({ path: `kb:${rel(file)}`, message: `${rel(file)} is not committed in the KB: a run cuts only what the KB holds`, next: 'commit it (orchestrate document add commits the source and document.yaml)' });
    }
  }
  try {
    live.plan();
  } catch (error) {
    problems.push(problemOf('vocabulary', error, 'fix the vocabulary (orchestrate plan --document-id shows the cut) and commit it'));
  }
  try {
    await readRecipientKeys(await loadBackupRecipients(config.backupRecipients));
  } catch (error) {
    problems.push(problemOf('backup.recipients', error, 'set backup.recipients in orchestrate.yaml to the sovereign\'s public key file (e.g. keyring/ada-lovelace.pub.asc)'));
  }
  try {
    await loadKeyring(config.keyringDir, { kbRoot: config.kbDir });
  } catch (error) {
    problems.push(problemOf('keyring.dir', error, 'put the sovereigns\' public keys (*.asc) in the keyring directory (orchestrate keys generate writes one)'));
  }
  if (problems.length === 0) return;
  const first = problems[0]!;
  throw new InputError(
    `cut preflight: ${problems.length} problem(s), nothing was created — ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
    {},
    problems.map((p) => ({ path: p.path, message: p.next === undefined ? p.message : `${p.message} — fix: ${p.next}` })),
    first.next ?? 'fix the problems listed, then run cut again',
  );
}
