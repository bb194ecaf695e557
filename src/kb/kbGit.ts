/**
 * Git queries the KB store is built from. Each returns data ("absent" as undefined) rather than
 * throwing for the expected negative case.
 *
 * Two ways to run git, same `-c` settings and explicit environment:
 * - simple-git ({@link createKbGit}) for init, remotes, fetch, push and rebase;
 * - {@link createKbGitRunner} (node's `execFile`) for the per-upload and per-gate plumbing. Why not
 *   simple-git there: simple-git 4's completion plugin waits a fixed 50 ms after every git process
 *   that printed nothing, and the cheap answers ("path absent", `git add`) are silent — measured
 *   81 ms against 18 ms for an `ls-tree` of an absent path. Errors are still simple-git's
 *   {@link GitError}, so callers keep one error type.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
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
 * `housekeeping: true` leaves out the two settings that switch automatic gc/maintenance off, for
 * the one `git maintenance run --auto` a run does ({@link KbGitRunner} made with it).
 */
export function kbGitConfig(author: KbAuthor, housekeeping = false): string[] {
  const settings = [
    `user.name=${author.name}`,
    `user.email=${author.email}`,
    'core.autocrlf=false',
    'core.safecrlf=false',
    'commit.gpgsign=false',
    'advice.detachedHead=false',
    // Full commit ids in `git commit`'s summary line, so an upload takes its id from the commit.
    'core.abbrev=40',
  ];
  // No auto-maintenance / gc process after each orchestrator commit or fetch (issue 11); the store
  // runs it once per run instead (GitKbStore.update, the runs-index append).
  if (!housekeeping) settings.push('gc.auto=0', 'maintenance.auto=false');
  return settings;
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

/**
 * Runs one git process in the KB work tree: `git -c <settings> ...args`, empty stdin.
 * Resolves with stdout; rejects with a {@link GitError} carrying stderr (or stdout) on a non-zero exit.
 */
export type KbGitRunner = (args: readonly string[]) => Promise<Buffer>;

/** Largest stdout a KB git process may print (a `ls-tree -r` of a big KB, a large blob). */
const MAX_GIT_OUTPUT = 1 << 30;

/**
 * A {@link KbGitRunner} for the KB at `dir`: same `-c` settings as {@link createKbGit} and exactly
 * the environment `env` (nothing inherited), `execFile` without a shell. `housekeeping`: see
 * {@link kbGitConfig}.
 */
export function createKbGitRunner(dir: string, env: Record<string, string>, author: KbAuthor, housekeeping = false): KbGitRunner {
  const prefix = kbGitConfig(author, housekeeping).flatMap((setting) => ['-c', setting]);
  return (args) =>
    new Promise((resolve, reject) => {
      const child = execFile(
        'git',
        [...prefix, ...args],
        { cwd: dir, env, encoding: 'buffer', maxBuffer: MAX_GIT_OUTPUT, windowsHide: true },
        (error, stdout, stderr) => {
          if (error === null) {
            resolve(stdout);
            return;
          }
          const text = (stderr.length > 0 ? stderr : stdout).toString('utf8').trim();
          reject(new GitError(undefined, text === '' ? error.message : text));
        },
      );
      // git never reads stdin here; a process that exits first must not turn the close into EPIPE.
      child.stdin?.on('error', () => undefined);
      child.stdin?.end();
    });
}

/**
 * The git blob id of `data` (`git hash-object`): sha1 of `blob <length>\0<bytes>`, or sha256 of the
 * same for a repository in the sha256 object format (`hexLength` 64).
 */
export function gitBlobId(data: Uint8Array, hexLength = 40): string {
  const hash = createHash(hexLength === 64 ? 'sha256' : 'sha1');
  hash.update(`blob ${data.length}\0`);
  hash.update(data);
  return hash.digest('hex');
}

/** Full hash `ref` resolves to as a commit, or undefined when absent (runner version of {@link resolveCommit}). */
export async function refCommit(run: KbGitRunner, ref: string): Promise<string | undefined> {
  try {
    const hash = (await run(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])).toString('utf8').trim();
    return hash === '' ? undefined : hash;
  } catch (error) {
    if (error instanceof GitError) return undefined;
    throw error;
  }
}

/**
 * Runs a read of `ref` that fails when `ref` does not resolve; such a failure on a ref that
 * indeed does not exist (unborn HEAD, no `origin/main` yet) is the expected "nothing there" and
 * yields `absent`, any other failure is rethrown. Costs a second process only on failure.
 */
async function readAt<T>(run: KbGitRunner, ref: string, read: () => Promise<T>, absent: T): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof GitError && (await refCommit(run, ref)) === undefined) return absent;
    throw error;
  }
}

/** Splits NUL-terminated `-z` output into its fields. */
function zFields(out: Buffer): string[] {
  const fields = out.toString('utf8').split('\0');
  if (fields[fields.length - 1] === '') fields.pop();
  return fields;
}

/**
 * Blob ids of the files under `relDir` (recursively) in the tree of `ref`, keyed by KB-relative
 * path: one `git ls-tree -r -z --full-tree`. Empty when `ref` or the folder does not exist.
 */
export async function blobIdsAt(run: KbGitRunner, ref: string, relDir: string): Promise<Map<string, string>> {
  return readAt(run, ref, async () => parseLsTree(await run(['ls-tree', '-r', '-z', '--full-tree', ref, '--', relDir])), new Map<string, string>());
}

/**
 * Sizes in bytes of the files under `relDir` (recursively) in the tree of `ref`, keyed by
 * KB-relative path: one `git ls-tree -r -l -z --full-tree`. Empty when `ref` or the folder does not exist.
 */
export async function blobSizesAt(run: KbGitRunner, ref: string, relDir: string): Promise<Map<string, number>> {
  return readAt(run, ref, async () => {
    const sizes = new Map<string, number>();
    for (const record of zFields(await run(['ls-tree', '-r', '-l', '-z', '--full-tree', ref, '--', relDir]))) {
      const match = /^\d+ blob [0-9a-f]{40,64} +(\d+)\t(.*)$/s.exec(record);
      if (match !== null) sizes.set(match[2]!, Number(match[1]));
    }
    return sizes;
  }, new Map<string, number>());
}

/** `<mode> SP <type> SP <id> TAB <path>` records of `ls-tree -z`, blobs only. */
function parseLsTree(out: Buffer): Map<string, string> {
  const ids = new Map<string, string>();
  for (const record of zFields(out)) {
    const match = /^\d+ blob ([0-9a-f]{40,64})\t(.*)$/s.exec(record);
    if (match !== null) ids.set(match[2]!, match[1]!);
  }
  return ids;
}

/** Blob id of exactly `path` in the tree of `ref`, undefined when absent (one `ls-tree`). */
export async function blobIdAt(run: KbGitRunner, ref: string, path: string): Promise<string | undefined> {
  const ids = await readAt(run, ref, async () => parseLsTree(await run(['ls-tree', '-z', '--full-tree', ref, '--', path])), new Map<string, string>());
  return ids.get(path);
}

/** Commits of `ref`'s history that touched `path`, newest first (one `git log`); [] when unborn. */
export async function pathCommits(run: KbGitRunner, path: string, ref = 'HEAD'): Promise<string[]> {
  const out = await readAt(run, ref, () => run(['log', '--format=%H', ref, '--', path]), Buffer.alloc(0));
  return out.toString('utf8').split('\n').filter((line) => line !== '');
}

/** Bytes of blob `id` (one `cat-file`). */
export async function readBlob(run: KbGitRunner, id: string): Promise<Buffer> {
  return run(['cat-file', 'blob', id]);
}

/** What the newest commit touching a path did to it; see {@link lastChange}. */
export interface LastChange {
  /** That commit. */
  commit: string;
  /** Its status letter for the path (`A`, `M`, `D`, `T`). */
  status: string;
  /** Blob id of the path after that commit (all zeros for `D`). */
  blob: string;
}

/**
 * The newest commit of `ref`'s history that touched exactly `path`, and what it did (one
 * `git log -1 --raw`): `null` when no commit ever touched it (or `ref` is unborn). In a linear
 * history the result's `blob` is the path's blob at `ref`. Returns `undefined` when the answer
 * is not that simple — the commit is a merge, or the raw diff does not name the path alone — so
 * the caller falls back to separate `ls-tree` / `log` reads.
 */
export async function lastChange(run: KbGitRunner, path: string, ref = 'HEAD'): Promise<LastChange | null | undefined> {
  const out = await readAt(
    run,
    ref,
    () => run(['log', '-1', '-z', '--format=%H %P', '--raw', '--no-abbrev', '--no-renames', ref, '--', path]),
    Buffer.alloc(0),
  );
  const fields = zFields(out);
  if (fields.length === 0) return null;
  if (fields.length !== 3) return undefined;
  const [commit, ...parents] = fields[0]!.trim().split(' ');
  const raw = /^\n?:\d+ \d+ [0-9a-f]+ ([0-9a-f]{40,64}) ([AMDT])$/.exec(fields[1]!);
  if (commit === undefined || parents.length > 1 || raw === null || fields[2] !== path) return undefined;
  return { commit, status: raw[2]!, blob: raw[1]! };
}

/** Per path under a folder: the commits that touched it (newest first) and the one that added it. */
export interface PathHistory {
  commits: string[];
  /** Oldest commit with status `A` for the path (what `log --diff-filter=A` ends with). */
  added: string | undefined;
}

/**
 * The history of every path under `relDir` from one `git log --name-status` over the folder,
 * keyed by KB-relative path. Returns `undefined` when that history holds a merge commit (merges
 * print no name-status, so per-path `git log` must answer); an empty map when `ref` is unborn.
 */
export async function folderHistory(run: KbGitRunner, relDir: string, ref = 'HEAD'): Promise<Map<string, PathHistory> | undefined> {
  const out = await readAt(
    run,
    ref,
    () => run(['log', '-z', '--format=%H %P', '--name-status', '--no-renames', ref, '--', relDir]),
    Buffer.alloc(0),
  );
  const history = new Map<string, PathHistory>();
  let commit: string | undefined;
  const fields = zFields(out);
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!.replace(/^\n/, '');
    const status = /^[ACDMRTUXB]\d*$/.exec(field);
    if (status !== null && commit !== undefined) {
      const path = fields[++i];
      if (path === undefined) break;
      const entry = history.get(path) ?? { commits: [], added: undefined };
      entry.commits.push(commit);
      if (field === 'A') entry.added = commit;
      history.set(path, entry);
      continue;
    }
    const [hash, ...parents] = field.split(' ');
    if (hash === undefined || !/^[0-9a-f]{40,64}$/.test(hash)) throw new Error(`unexpected git log output near ${JSON.stringify(field.slice(0, 80))}`);
    if (parents.length > 1) return undefined;
    commit = hash;
  }
  return history;
}
