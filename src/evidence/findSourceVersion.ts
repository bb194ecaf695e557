/**
 * Finds the bytes of an earlier source version in the KB's git history (DESIGN §3: "editing the
 * source file makes a new source version"), so a run whose version was since replaced can still be
 * verified against the exact bytes it cut.
 */
import { createHash } from 'node:crypto';
import { blobAt, commitsTouching, createKbGit } from '../kb/kbGit.js';
import { kbGitEnv } from '../kb/kbGitEnv.js';
import { DEFAULT_KB_AUTHOR } from '../kb/openKb.js';

/** The committed bytes of a source version and the commit that holds them. */
export interface HistoricSource {
  bytes: Uint8Array;
  commit: string;
  /** How many commits touched the source file. */
  revisions: number;
  /** Whether the newest commit of the file holds this version (then only the work tree differs). */
  newest: boolean;
}

/**
 * Walks the commits that touched `relPath` (newest first) and returns the first blob whose sha256
 * is `sourceVersionId`. Read-only git (`log`, `ls-tree`, `cat-file`).
 *
 * @param kbDir - the KB work tree
 * @param relPath - KB-relative path of the source file
 * @returns the bytes and commit, or undefined when no commit ever held that version
 * @throws GitError when git itself fails (not a repository)
 */
export async function findSourceVersion(kbDir: string, relPath: string, sourceVersionId: string): Promise<HistoricSource | undefined> {
  const git = createKbGit(kbDir, kbGitEnv(process.env), DEFAULT_KB_AUTHOR);
  const commits = await commitsTouching(git, relPath);
  for (const [index, commit] of commits.entries()) {
    const blob = await blobAt(git, commit, relPath);
    if (blob !== undefined && createHash('sha256').update(blob).digest('hex') === sourceVersionId) {
      return { bytes: new Uint8Array(blob), commit, revisions: commits.length, newest: index === 0 };
    }
  }
  return undefined;
}
