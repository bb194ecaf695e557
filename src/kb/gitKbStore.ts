/**
 * The git-backed {@link KbStore} (DESIGN §3, reference §3 and §8). Made by {@link openKb}.
 *
 * Every write runs as attempts under {@link withUploadRetry}. One attempt, for `upload`:
 * 1. with a remote: fetch; the path on `origin/main` with other bytes → {@link KbPathTaken};
 * 2. the path at HEAD (or anywhere in history) with other bytes → {@link KbPathTaken};
 * 3. with a remote: rebase local commits onto `origin/main` (this is how a rejected
 *    non-fast-forward push is rebased before the retry);
 * 4. path not committed yet: write it (atomically), `git add` it, commit only it;
 * 5. with a remote and local commits ahead: push.
 * Each step looks at the state first, so an attempt after a failure — or a whole re-run after a
 * crash — adopts what an earlier one already did instead of writing twice.
 *
 * Git processes (issue 11): steps 1–2 are decided from one `git log -1 --raw` of the path (its
 * newest change gives the blob at HEAD, a deletion, or "never committed"; byte equality is a blob
 * id comparison, hashed in-process) plus, with a remote, one fetch and one `ls-tree` of
 * `origin/main`; step 4 is `git add` + `git commit` whose summary line carries the full commit id;
 * automatic gc/maintenance is off for these commits (`kbGitConfig` in kbGit.ts; `update`, once per run,
 * runs `maintenance run --auto` instead). Without a remote an
 * upload of a new document is 3 git processes; nothing is cached across calls except what cannot
 * change under the store (the work-tree root, its git dir, whether `origin` was configured when opened).
 *
 * One writer per clone (issue 13): every write (`upload`, `update`, `sync`) runs one at a time in
 * this process ({@link GitKbStore} queue) and, across processes sharing the clone, under the clone's
 * pid lock ({@link lockKbClone}, taken once per write around all its attempts), so no other process
 * commits, rebases or pushes in between and the commit id a write returns is the one on the remote.
 * A lock still held after the wait is `LockHeld` (`STOP_LOCKED`), never a retried git fault. The
 * lock of a killed writer is taken over, and a rebase it left in progress is aborted first.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, realpath, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { GitError, type SimpleGit } from 'simple-git';
import writeFileAtomic from 'write-file-atomic';
import { failpoint } from '../failpoints/failpoint.js';
import { KbPathTaken } from './KbPathTaken.js';
import { KbSyncFailed } from './KbSyncFailed.js';
import { KB_LOCK_WAIT_MS, lockKbClone } from './lockKbClone.js';
import type { KbEdit, KbStore, KbWriteOptions, UpdateResult, UploadResult } from './KbStore.js';
import {
  blobIdAt,
  blobIdsAt,
  blobSizesAt,
  commitThatAdded,
  conflictedPaths,
  gitBlobId,
  isTracked,
  lastChange,
  pathCommits,
  readBlob,
  refCommit,
  type KbGitRunner,
} from './kbGit.js';
import { normaliseKbPath } from './kbPath.js';
import { permanent, withUploadRetry, type UploadRetryPolicy } from './uploadRetry.js';

/** The KB branch, locally and on `origin`. */
export const KB_BRANCH = 'main';

/** How long lost push races (non-fast-forward rejections) are rebased and retried before the push counts as failed. */
export const PUSH_RACE_BUDGET_MS = 60_000;

/**
 * A push refused only because the remote moved on (another host pushed first): `(fetch first)` /
 * `(non-fast-forward)` when it had already moved, or the remote's "cannot lock ref … but expected"
 * when it moved during this push.
 */
function isLostPushRace(error: unknown): boolean {
  return error instanceof GitError && /\((?:fetch first|non-fast-forward)\)|cannot lock ref '[^']*': is at [0-9a-f]+ but expected/.test(error.message);
}
const UPSTREAM = `refs/remotes/origin/${KB_BRANCH}`;

/** What {@link GitKbStore} is built from. */
export interface GitKbStoreParts {
  dir: string;
  git: SimpleGit;
  /** The same settings and environment through `execFile`, for the per-upload plumbing. */
  run: KbGitRunner;
  /** The same without the settings that switch auto-maintenance off, for {@link GitKbStore.update}'s housekeeping. */
  housekeepingRun: KbGitRunner;
  /** Same repository, allowed a no-op editor, for `rebase --continue`. */
  editorGit: SimpleGit;
  hasRemote: boolean;
  retry: UploadRetryPolicy;
  /** How long a write waits for another process holding the clone's lock; default {@link KB_LOCK_WAIT_MS}. */
  lockWaitMs?: number;
}

/** sha256 hex of bytes. */
function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A path's state at HEAD as an upload needs it. */
interface PathAtHead {
  /** Blob id at HEAD, undefined when absent. */
  blob: string | undefined;
  /** Whether any commit of HEAD's history touched the path. */
  touched: boolean;
  /** The commit that added it, when known without another read. */
  addedBy: string | undefined;
}

/** The full commit id in `git commit`'s summary line (`[main (root-commit) <id>] message`). */
function committedId(summary: string): string | undefined {
  return /^\[[^\]\n]*?\b([0-9a-f]{40}|[0-9a-f]{64})\]/m.exec(summary)?.[1];
}

/** Git-backed KB store; see the file comment for the attempt steps. */
export class GitKbStore implements KbStore {
  readonly dir: string;
  readonly hasRemote: boolean;
  readonly #git: SimpleGit;
  readonly #run: KbGitRunner;
  readonly #housekeepingRun: KbGitRunner;
  readonly #editorGit: SimpleGit;
  readonly #retry: UploadRetryPolicy;
  readonly #lockWaitMs: number;
  /** Writes of one store run one at a time: they share the index and HEAD. */
  #queue: Promise<unknown> = Promise.resolve();
  /** The clone's git dir (where its lock lives), asked of git on the first write. */
  #gitDir: Promise<string> | undefined;

  constructor(parts: GitKbStoreParts) {
    this.dir = parts.dir;
    this.hasRemote = parts.hasRemote;
    this.#git = parts.git;
    this.#run = parts.run;
    this.#housekeepingRun = parts.housekeepingRun;
    this.#editorGit = parts.editorGit;
    this.#retry = parts.retry;
    this.#lockWaitMs = parts.lockWaitMs ?? KB_LOCK_WAIT_MS;
  }

  async upload(relPath: string, bytes: Uint8Array | string, message: string, options: KbWriteOptions = {}): Promise<UploadResult> {
    const file = normaliseKbPath(relPath);
    const data = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : Buffer.from(bytes);
    const sha256 = sha256Hex(data);
    return this.#serial(() =>
      withUploadRetry(file, () => this.#uploadAttempt(file, data, sha256, message, options.scope), this.#retry),
    );
  }

  async update(relPath: string, edit: KbEdit, message: string, options: KbWriteOptions = {}): Promise<UpdateResult> {
    const file = normaliseKbPath(relPath);
    let changed = false;
    return this.#serial(() =>
      withUploadRetry(
        file,
        async () => {
          if (this.hasRemote) {
            await this.#git.fetch('origin');
            await this.#integrate({ file, edit });
          }
          const blob = await blobIdAt(this.#run, 'HEAD', file);
          const current = blob === undefined ? undefined : (await readBlob(this.#run, blob)).toString('utf8');
          const next = edit(current);
          let commit: string | undefined;
          // An edit returning the text unchanged is "nothing to do", not an empty commit.
          if (next !== undefined && next !== current) {
            commit = await this.#commitFile(file, Buffer.from(next, 'utf8'), message, options.scope);
            changed = true;
          }
          // A lost push race rebases the commit: HEAD is then its new id.
          if (this.hasRemote && (await this.#pushIfAhead(options.scope, { file, edit }))) commit = await refCommit(this.#run, 'HEAD');
          if (commit !== undefined) await this.#housekeep();
          return { path: file, changed, commit: commit ?? (await refCommit(this.#run, 'HEAD')) };
        },
        this.#retry,
      ),
    );
  }

  async exists(relPath: string): Promise<boolean> {
    return (await blobIdAt(this.#run, 'HEAD', normaliseKbPath(relPath))) !== undefined;
  }

  blobIds(relDir: string): Promise<Map<string, string>> {
    return blobIdsAt(this.#run, 'HEAD', normaliseKbPath(relDir));
  }

  blobSizes(relDir: string): Promise<Map<string, number>> {
    return blobSizesAt(this.#run, 'HEAD', normaliseKbPath(relDir));
  }

  async readBlob(blobId: string): Promise<Uint8Array> {
    if (!/^[0-9a-f]{40,64}$/.test(blobId)) throw new Error(`readBlob: ${blobId} is not a git object id`);
    return new Uint8Array(await readBlob(this.#run, blobId));
  }

  async read(relPath: string): Promise<Uint8Array> {
    return new Uint8Array(await readFile(path.join(this.dir, normaliseKbPath(relPath))));
  }

  async list(relDir: string): Promise<string[]> {
    try {
      const entries = await readdir(path.join(this.dir, normaliseKbPath(relDir)), { withFileTypes: true });
      return entries.filter((entry) => entry.isFile()).map((entry) => entry.name).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  async revisions(relPath: string): Promise<number> {
    return (await pathCommits(this.#run, normaliseKbPath(relPath))).length;
  }

  headCommit(): Promise<string | undefined> {
    return refCommit(this.#run, 'HEAD');
  }

  sync(): Promise<void> {
    if (!this.hasRemote) return Promise.resolve();
    return this.#serial(async () => {
      try {
        await this.#git.fetch('origin');
        await this.#integrate();
      } catch (error) {
        throw new KbSyncFailed(error);
      }
    });
  }

  async #uploadAttempt(
    file: string,
    data: Buffer,
    sha256: string,
    message: string,
    scope: string | undefined,
  ): Promise<UploadResult> {
    let blob: string | undefined;
    const idOf = (id: string): string => (blob !== undefined && blob.length === id.length ? blob : (blob = gitBlobId(data, id.length)));
    let onRemote: string | undefined;
    if (this.hasRemote) {
      await this.#git.fetch('origin');
      onRemote = await blobIdAt(this.#run, UPSTREAM, file);
      if (onRemote !== undefined && onRemote !== idOf(onRemote)) {
        throw permanent(new KbPathTaken(file, 'remote', sha256, sha256Hex(await readBlob(this.#run, onRemote))));
      }
    }
    let local = await this.#atHead(file);
    if (local.blob !== undefined && local.blob !== idOf(local.blob)) {
      throw permanent(new KbPathTaken(file, 'local-commit', sha256, sha256Hex(await readBlob(this.#run, local.blob))));
    }
    if (local.blob === undefined && local.touched) {
      throw permanent(new KbPathTaken(file, 'history', sha256, undefined));
    }
    if (this.hasRemote) {
      if (local.blob === undefined && onRemote !== undefined) await this.#dropUncommittedCopy(file);
      if (await this.#integrate()) local = await this.#atHead(file);
    }
    let commit: string | undefined;
    if (local.blob === undefined) commit = await this.#commitFile(file, data, message, scope);
    // A lost push race rebased the commit: the id to record is the one that reached the remote.
    if (this.hasRemote && (await this.#pushIfAhead(scope))) commit = await commitThatAdded(this.#git, file);
    commit ??= local.addedBy ?? (await commitThatAdded(this.#git, file));
    if (commit === undefined) throw new Error(`KB path ${file} has no commit after upload`);
    return { path: file, sha256, bytes: data.length, commit };
  }

  /**
   * Commits run with automatic gc/maintenance off (one process less per commit), so the store runs
   * `git maintenance run --auto` itself after the one commit a run makes through `update` (the
   * runs-index line): git decides whether anything needs packing, as it would after a commit.
   * Best effort: it never changes content, so its failure does not fail the update.
   */
  async #housekeep(): Promise<void> {
    await this.#housekeepingRun(['maintenance', 'run', '--auto', '--quiet']).catch(() => undefined);
  }

  /**
   * The path at HEAD from one `git log -1 --raw` ({@link lastChange}); in the rare history it
   * cannot answer alone (a merge), from an `ls-tree` and a `log` as before.
   */
  async #atHead(file: string): Promise<PathAtHead> {
    const last = await lastChange(this.#run, file);
    if (last === null) return { blob: undefined, touched: false, addedBy: undefined };
    if (last !== undefined) {
      if (last.status === 'D') return { blob: undefined, touched: true, addedBy: undefined };
      return { blob: last.blob, touched: true, addedBy: last.status === 'A' ? last.commit : undefined };
    }
    const blob = await blobIdAt(this.#run, 'HEAD', file);
    return { blob, touched: blob !== undefined || (await pathCommits(this.#run, file)).length > 0, addedBy: undefined };
  }

  /**
   * The remote already has the same bytes this upload would write, so a never-committed local copy
   * (a crash between write and commit) is redundant; it must go so the rebase can bring the
   * remote's commit in without an "untracked file would be overwritten" refusal.
   */
  async #dropUncommittedCopy(file: string): Promise<void> {
    if (await isTracked(this.#git, file)) await this.#git.raw(['rm', '--cached', '--quiet', '--', file]);
    await rm(path.join(this.dir, file), { force: true });
  }

  /** Writes, adds and commits only `file`; returns the new commit's full id (from the commit's own summary). */
  async #commitFile(file: string, data: Buffer, message: string, scope: string | undefined): Promise<string> {
    const absolute = path.join(this.dir, file);
    await mkdir(path.dirname(absolute), { recursive: true });
    await writeFileAtomic(absolute, data);
    await this.#run(['add', '--', file]);
    failpoint('kb.commit.before', scope);
    const summary = (await this.#run(['commit', '-m', message, '--', file])).toString('utf8');
    const commit = committedId(summary);
    if (commit === undefined) throw new Error(`git commit of ${file} recorded nothing`);
    failpoint('kb.commit.after', scope);
    return commit;
  }

  /**
   * Pushes HEAD when it has commits `origin/main` lacks (one `rev-list` when both exist). A push
   * rejected as non-fast-forward (another host pushed first) is not a fault (issue 13): fetch,
   * rebase ({@link #integrate}, settling a conflict on `resolve.file` as `update` does) and push
   * again, with a growing jittered pause, until it lands or {@link PUSH_RACE_BUDGET_MS} has passed —
   * without spending the upload's fault retries (DESIGN §3), which stay for real failures.
   * @returns whether a lost race rebased HEAD (local commit ids changed)
   * @throws the push error when it is not a race, or the races outlast the budget
   */
  async #pushIfAhead(scope: string | undefined, resolve?: { file: string; edit: KbEdit }): Promise<boolean> {
    const deadline = Date.now() + PUSH_RACE_BUDGET_MS;
    let rebased = false;
    for (let race = 0; ; race++) {
      let ahead: number;
      try {
        ahead = Number.parseInt((await this.#run(['rev-list', '--count', `${UPSTREAM}..HEAD`])).toString('utf8').trim(), 10);
      } catch (error) {
        if (!(error instanceof GitError)) throw error;
        if ((await refCommit(this.#run, 'HEAD')) === undefined) return rebased;
        if ((await refCommit(this.#run, UPSTREAM)) !== undefined) throw error;
        ahead = 1;
      }
      if (ahead === 0) return rebased;
      failpoint('kb.push.before', scope);
      try {
        await this.#git.push('origin', `HEAD:refs/heads/${KB_BRANCH}`);
      } catch (error) {
        if (!isLostPushRace(error) || Date.now() > deadline) throw error;
        await sleep(Math.min(race + 1, 8) * (50 + Math.floor(Math.random() * 200)));
        await this.#git.fetch('origin');
        if (await this.#integrate(resolve)) rebased = true;
        continue;
      }
      failpoint('kb.push.after', scope);
      return rebased;
    }
  }

  /**
   * Brings HEAD up to `origin/main`: fast-forward into an empty KB, otherwise rebase local commits
   * on top. A conflict on `resolve.file` is settled by applying `resolve.edit` to the version being
   * rebased onto (the remote's), never by picking one side; any other conflict aborts the rebase
   * and fails the attempt.
   * @returns whether HEAD moved
   */
  async #integrate(resolve?: { file: string; edit: KbEdit }): Promise<boolean> {
    let behind: number;
    try {
      behind = Number.parseInt((await this.#run(['rev-list', '--count', `HEAD..${UPSTREAM}`])).toString('utf8').trim(), 10);
    } catch (error) {
      if (!(error instanceof GitError)) throw error;
      if ((await refCommit(this.#run, UPSTREAM)) === undefined) return false;
      if ((await refCommit(this.#run, 'HEAD')) !== undefined) throw error;
      await this.#git.raw(['merge', '--ff-only', UPSTREAM]);
      return true;
    }
    if (behind === 0) return false;
    try {
      await this.#git.raw(['rebase', '--autostash', UPSTREAM]);
    } catch (error) {
      await this.#settleRebase(error, resolve);
    }
    return true;
  }

  async #settleRebase(error: unknown, resolve: { file: string; edit: KbEdit } | undefined): Promise<void> {
    let failure = error;
    for (;;) {
      const conflicts = await conflictedPaths(this.#git);
      if (resolve === undefined || conflicts.length === 0 || conflicts.some((file) => file !== resolve.file)) {
        await this.#git.raw(['rebase', '--abort']).catch(() => undefined);
        throw conflicts.length === 0
          ? failure
          : new Error(`rebase onto origin/${KB_BRANCH} conflicts on ${conflicts.join(', ')}`);
      }
      const theirsId = await blobIdAt(this.#run, 'HEAD', resolve.file);
      const theirs = theirsId === undefined ? undefined : await readBlob(this.#run, theirsId);
      const next = resolve.edit(theirs?.toString('utf8'));
      try {
        if (next === undefined) {
          await this.#git.raw(['rebase', '--skip']);
        } else {
          await writeFileAtomic(path.join(this.dir, resolve.file), Buffer.from(next, 'utf8'));
          await this.#git.raw(['add', '--', resolve.file]);
          await this.#editorGit.raw(['rebase', '--continue']);
        }
        return;
      } catch (again) {
        failure = again;
      }
    }
  }

  /**
   * Runs `work` after this store's earlier writes, holding the clone's cross-process lock. The lock
   * is taken outside `work`'s retries, so a `LockHeld` is never retried or wrapped as a git
   * fault (UploadFailed / KbSyncFailed): it reaches the caller as `STOP_LOCKED`.
   */
  #serial<T>(work: () => Promise<T>): Promise<T> {
    const locked = async (): Promise<T> => {
      const gitDir = await this.#resolveGitDir();
      const lock = await lockKbClone(gitDir, this.dir, this.#lockWaitMs);
      try {
        if (lock.takenOverFrom !== null) await this.#abandonDeadWritersRebase(gitDir);
        return await work();
      } finally {
        await lock.release();
      }
    };
    const run = this.#queue.then(locked, locked);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /**
   * A writer killed mid-rebase leaves the rebase in progress, and every later `rebase` refuses to
   * start. Its lock was just taken over, so nobody else is inside the clone: aborting puts its local
   * commits back as they were (nothing is lost; the next integrate rebases them again). Best
   * effort: if the abort fails, the write's own rebase fails and is reported as a KB fault.
   */
  async #abandonDeadWritersRebase(gitDir: string): Promise<void> {
    if (existsSync(path.join(gitDir, 'rebase-merge')) || existsSync(path.join(gitDir, 'rebase-apply'))) {
      await this.#git.raw(['rebase', '--abort']).catch(() => undefined);
    }
  }

  /**
   * The absolute git dir. A `.git` directory in the work tree is it (read from the file system: no
   * git process, issue 11); a `.git` gitfile (a KB that is a linked work tree) is followed by git itself.
   */
  #resolveGitDir(): Promise<string> {
    this.#gitDir ??= (async () => {
      const dotGit = path.resolve(this.dir, '.git');
      const found = await stat(dotGit).catch(() => undefined);
      if (found?.isDirectory() === true) return realpath(dotGit);
      return (await this.#run(['rev-parse', '--absolute-git-dir'])).toString('utf8').trim();
    })().catch((error: unknown) => {
      this.#gitDir = undefined;
      throw error;
    });
    return this.#gitDir;
  }
}
