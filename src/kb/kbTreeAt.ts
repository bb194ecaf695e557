/**
 * The KB's files as they were at one commit, in a temporary folder, without touching the clone's
 * index or work tree (a throwaway index: `read-tree` + `checkout-index`). What `verify --kb-only`
 * re-derives a run's plan from: the document.yaml, source and vocabulary the run cut (issue 9).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createKbGitRunner } from './kbGit.js';
import { kbGitEnv } from './kbGitEnv.js';
import { DEFAULT_KB_AUTHOR } from './openKb.js';

/** A checked-out tree and how to remove it. */
export interface KbTree {
  /** Root of the files (KB-relative paths resolve against it). */
  dir: string;
  /** Removes the folder; safe to call twice. */
  cleanup(): Promise<void>;
}

/**
 * Writes every file of `commit`'s tree into a new temporary folder.
 * @param kbDir - the KB clone (read only: a throwaway index is used)
 * @param commit - full commit id
 * @throws GitError when the commit does not exist (the folder is removed first)
 */
export async function kbTreeAt(kbDir: string, commit: string): Promise<KbTree> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'kb-tree-'));
  const cleanup = () => rm(root, { recursive: true, force: true });
  try {
    const run = createKbGitRunner(kbDir, kbGitEnv(process.env, { GIT_INDEX_FILE: path.join(root, 'index') }), DEFAULT_KB_AUTHOR);
    await run(['read-tree', commit]);
    await run(['checkout-index', '--all', `--prefix=${path.join(root, 'tree')}${path.sep}`]);
    return { dir: path.join(root, 'tree'), cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
