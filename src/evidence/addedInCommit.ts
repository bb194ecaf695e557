/**
 * Which commit added a KB path (DESIGN §3: every path of a run folder has exactly one commit), so
 * `verify` can hold the sidecar's upload record (`uploads[].commit`) against the KB history.
 */
import { commitThatAdded, createKbGit } from '../kb/kbGit.js';
import { kbGitEnv } from '../kb/kbGitEnv.js';
import { DEFAULT_KB_AUTHOR } from '../kb/openKb.js';

/** Looks up the commit (full hash) that added a KB-relative path to HEAD's history; undefined when none did. */
export type AddedInCommit = (relPath: string) => Promise<string | undefined>;

/**
 * A read-only lookup (`git log --diff-filter=A`) over the KB work tree `kbDir`.
 *
 * @throws GitError from the lookup when `kbDir` is not a git work tree
 */
export function addedInCommit(kbDir: string): AddedInCommit {
  const git = createKbGit(kbDir, kbGitEnv(process.env), DEFAULT_KB_AUTHOR);
  return (relPath) => commitThatAdded(git, relPath);
}
