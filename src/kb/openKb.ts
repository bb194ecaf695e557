/**
 * Opens (or initialises) a KB work tree as a {@link KbStore} (DESIGN §3).
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { GitKbStore, KB_BRANCH } from './gitKbStore.js';
import { createKbGit, createKbGitRunner, type KbAuthor } from './kbGit.js';
import { kbGitEnv } from './kbGitEnv.js';
import type { KbStore } from './KbStore.js';
import type { UploadRetryPolicy } from './uploadRetry.js';

/** Author of orchestrator commits unless the caller names one. */
export const DEFAULT_KB_AUTHOR: Readonly<KbAuthor> = Object.freeze({
  name: 'Governed-cut orchestrator',
  email: 'orchestrator@localhost',
});

/** Options of {@link openKb}. */
export interface OpenKbOptions {
  /** Work tree directory; created when missing. */
  dir: string;
  /**
   * URL or path of the remote. When given, `origin` is added (or re-pointed) to it; when omitted,
   * an `origin` already configured in the work tree is used, and without one nothing is pushed.
   */
  remote?: string;
  /** p-retry options overriding {@link DEFAULT_UPLOAD_RETRY} (tests: `minTimeout: 0`). */
  retry?: UploadRetryPolicy;
  /** Extra variables on top of the minimal git environment of {@link kbGitEnv}. */
  env?: Record<string, string>;
  /** Commit author; default {@link DEFAULT_KB_AUTHOR}. */
  author?: KbAuthor;
  /**
   * How long a write waits, in ms, while another process holds the clone's lock
   * (`<git dir>/orchestrate-kb.lock`) before stopping with `LockHeld` (`STOP_LOCKED`);
   * default `KB_LOCK_WAIT_MS` of lockKbClone.ts (10 minutes).
   */
  lockWaitMs?: number;
}

/**
 * Opens the KB at `options.dir`: `git init --initial-branch=main` when the directory is not the
 * root of a git work tree (no `.git` in it: a KB nested in another repository gets its own), then
 * configures `origin` when `remote` is given. Does not touch the network: the first write (or
 * {@link KbStore.sync}) fetches. One git process (`remote -v`) for an existing KB.
 *
 * @returns the git-backed store; its writes run through {@link withUploadRetry}, one at a time
 *   across every process using the clone
 * @throws GitError when git itself fails (not a repository and cannot be initialised, …)
 */
export async function openKb(options: OpenKbOptions): Promise<KbStore> {
  const dir = path.resolve(options.dir);
  await mkdir(dir, { recursive: true });
  const env = kbGitEnv(process.env, options.env ?? {});
  const author = options.author ?? DEFAULT_KB_AUTHOR;
  const git = createKbGit(dir, env, author);
  // A `.git` directory (or gitfile) in `dir` is what makes it a work-tree root; no process needed to ask.
  if (!existsSync(path.join(dir, '.git'))) {
    await git.init([`--initial-branch=${KB_BRANCH}`]);
  }
  const remotes = await git.getRemotes(true);
  const origin = remotes.find((remote) => remote.name === 'origin');
  if (options.remote !== undefined) {
    if (origin === undefined) await git.addRemote('origin', options.remote);
    else if (origin.refs.push !== options.remote || origin.refs.fetch !== options.remote) {
      await git.remote(['set-url', 'origin', options.remote]);
    }
  }
  return new GitKbStore({
    dir,
    git,
    run: createKbGitRunner(dir, env, author),
    housekeepingRun: createKbGitRunner(dir, env, author, true),
    editorGit: createKbGit(dir, env, author, true),
    hasRemote: options.remote !== undefined || origin !== undefined,
    retry: options.retry ?? {},
    lockWaitMs: options.lockWaitMs,
  });
}
