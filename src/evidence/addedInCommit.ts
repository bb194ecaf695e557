/**
 * Which commit added a KB path and how many commits touched it (DESIGN §3: every path of a run
 * folder has exactly one commit), so `verify` can hold the sidecar's upload record
 * (`uploads[].commit`) against the KB history.
 *
 * Cost (issue 11): {@link folderHistory} answers for every path of a folder from one
 * `git log --name-status` over the folder, read once per folder and kept for the lookup's life (a
 * verify reads, it never writes the KB); a history with merges falls back to one `git log` per path.
 */
import path from 'node:path';
import { commitThatAdded, createKbGit, createKbGitRunner, folderHistory, pathCommits, type PathHistory } from '../kb/kbGit.js';
import { kbGitEnv } from '../kb/kbGitEnv.js';
import { DEFAULT_KB_AUTHOR } from '../kb/openKb.js';

/** Looks up the commit (full hash) that added a KB-relative path to HEAD's history; undefined when none did. */
export type AddedInCommit = (relPath: string) => Promise<string | undefined>;

/** Per-path history lookups over HEAD of one KB, each folder read once. */
export interface KbPathHistory {
  /** How many commits of HEAD's history touched the path (0 when none). */
  revisions(relPath: string): Promise<number>;
  /** The commit that added the path (the oldest `A`), undefined when none did. */
  addedIn: AddedInCommit;
}

/**
 * Read-only history lookups over the KB work tree `kbDir`, answered per folder from one
 * `git log --name-status` of the folder at HEAD (the first lookup in a folder reads it). Meant for
 * one verification: a commit made after a folder was read is not seen.
 *
 * @throws GitError from a lookup when `kbDir` is not a git work tree
 */
export function kbPathHistory(kbDir: string): KbPathHistory {
  const env = kbGitEnv(process.env);
  const run = createKbGitRunner(kbDir, env, DEFAULT_KB_AUTHOR);
  const folders = new Map<string, Promise<Map<string, PathHistory> | undefined>>();
  const lookup = async (relPath: string): Promise<PathHistory | undefined> => {
    const folder = path.posix.dirname(relPath);
    let history = folders.get(folder);
    if (history === undefined) folders.set(folder, (history = folderHistory(run, folder)));
    const all = await history;
    if (all === undefined) return undefined;
    return all.get(relPath) ?? { commits: [], added: undefined };
  };
  const git = createKbGit(kbDir, env, DEFAULT_KB_AUTHOR);
  return {
    async revisions(relPath) {
      const known = await lookup(relPath);
      return known === undefined ? (await pathCommits(run, relPath)).length : known.commits.length;
    },
    async addedIn(relPath) {
      const known = await lookup(relPath);
      return known === undefined ? commitThatAdded(git, relPath) : known.added;
    },
  };
}

/**
 * A read-only lookup (`git log --diff-filter=A`) over the KB work tree `kbDir`.
 *
 * @throws GitError from the lookup when `kbDir` is not a git work tree
 */
export function addedInCommit(kbDir: string): AddedInCommit {
  return kbPathHistory(kbDir).addedIn;
}
