/**
 * Read-only git queries the KB store is built from, over a simple-git instance configured by
 * {@link createKbGit}. Each returns data ("absent" as undefined) rather than throwing for the
 * expected negative case.
 */
import { simpleGit, GitError, type SimpleGit } from 'simple-git';
import { gitVariableNames } from './kbGitEnv.js';

/** Commit author of KB commits. */
export interface KbAuthor {
  name: string;
  email: string;
}

/**
 * `-c` settings on every KB git call: the author, and settings that keep bytes and commits exactly
 * as written whatever the user's global config says (no CRLF conversion, no commit signing prompt).
 */
export function kbGitConfig(author: KbAuthor): string[] {
  return [
    `user.name=${author.name}`,
    `user.email=${author.email}`,
    'core.autocrlf=false',
    'core.safecrlf=false',
    'commit.gpgsign=false',
    'advice.detachedHead=false',
  ];
}

/**
 * A simple-git instance for the KB at `dir` with the explicit environment `env`.
 * `editor: true` adds `core.editor=true` (a no-op editor) for `rebase --continue`; simple-git only
 * allows an editor setting when asked to, so it is kept off the everyday instance.
 */
export function createKbGit(dir: string, env: Record<string, string>, author: KbAuthor, editor = false): SimpleGit {
  const config = kbGitConfig(author);
  if (editor) config.push('core.editor=true');
  return simpleGit({
    baseDir: dir,
    config,
    allowEnvironment: gitVariableNames(env),
    unsafe: editor ? { allowUnsafeEditor: true } : {},
  }).env(env);
}

/** Full hash `ref` resolves to as a commit, or undefined when it does not exist (e.g. unborn HEAD). */
export async function resolveCommit(git: SimpleGit, ref: string): Promise<string | undefined> {
  try {
    const out = await git.raw(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
    const hash = out.trim();
    return hash === '' ? undefined : hash;
  } catch (error) {
    if (error instanceof GitError) return undefined;
    throw error;
  }
}

/** Bytes of `path` in the tree of `ref`, or undefined when the ref or the path is absent. */
export async function blobAt(git: SimpleGit, ref: string, path: string): Promise<Buffer | undefined> {
  if ((await resolveCommit(git, ref)) === undefined) return undefined;
  const listing = await git.raw(['ls-tree', '-z', ref, '--', path]);
  if (!/^\d+ blob /.test(listing)) return undefined;
  return (await git.binaryCatFile(['blob', `${ref}:${path}`])) as Buffer;
}

/** Hashes of the commits reachable from `ref` (default HEAD) that touched `path`, newest first. */
export async function commitsTouching(git: SimpleGit, path: string, ref = 'HEAD'): Promise<string[]> {
  if ((await resolveCommit(git, ref)) === undefined) return [];
  const out = await git.raw(['log', '--format=%H', ref, '--', path]);
  return out.split('\n').filter((line) => line !== '');
}

/** The commit that added `path` in `ref`'s history (the oldest "A" commit), or undefined. */
export async function commitThatAdded(git: SimpleGit, path: string, ref = 'HEAD'): Promise<string | undefined> {
  if ((await resolveCommit(git, ref)) === undefined) return undefined;
  const out = await git.raw(['log', '--diff-filter=A', '--format=%H', ref, '--', path]);
  const lines = out.split('\n').filter((line) => line !== '');
  return lines[lines.length - 1];
}

/** Commits in `from` that are not in `to` (`git rev-list --count to..from`). */
export async function countAhead(git: SimpleGit, from: string, to: string): Promise<number> {
  const out = await git.raw(['rev-list', '--count', `${to}..${from}`]);
  return Number.parseInt(out.trim(), 10);
}

/** Whether the index holds `path` (staged or committed). */
export async function isTracked(git: SimpleGit, path: string): Promise<boolean> {
  const out = await git.raw(['ls-files', '--cached', '--', path]);
  return out.trim() !== '';
}

/** Paths with unresolved merge conflicts during a rebase. */
export async function conflictedPaths(git: SimpleGit): Promise<string[]> {
  const out = await git.raw(['diff', '--name-only', '--diff-filter=U']);
  return out.split('\n').filter((line) => line !== '');
}
