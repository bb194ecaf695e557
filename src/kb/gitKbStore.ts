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
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { SimpleGit } from 'simple-git';
import writeFileAtomic from 'write-file-atomic';
import { failpoint } from '../failpoints/failpoint.js';
import { KbPathTaken } from './KbPathTaken.js';
import { KbSyncFailed } from './KbSyncFailed.js';
import type { KbEdit, KbStore, KbWriteOptions, UpdateResult, UploadResult } from './KbStore.js';
import {
  blobAt,
  commitThatAdded,
  commitsTouching,
  conflictedPaths,
  countAhead,
  isTracked,
  resolveCommit,
} from './kbGit.js';
import { normaliseKbPath } from './kbPath.js';
import { permanent, withUploadRetry, type UploadRetryPolicy } from './uploadRetry.js';

/** The KB branch, locally and on `origin`. */
export const KB_BRANCH = 'main';
const UPSTREAM = `refs/remotes/origin/${KB_BRANCH}`;

/** What {@link GitKbStore} is built from. */
export interface GitKbStoreParts {
  dir: string;
  git: SimpleGit;
  /** Same repository, allowed a no-op editor, for `rebase --continue`. */
  editorGit: SimpleGit;
  hasRemote: boolean;
  retry: UploadRetryPolicy;
}

/** sha256 hex of bytes. */
function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Git-backed KB store; see the file comment for the attempt steps. */
export class GitKbStore implements KbStore {
  readonly dir: string;
  readonly hasRemote: boolean;
  readonly #git: SimpleGit;
  readonly #editorGit: SimpleGit;
  readonly #retry: UploadRetryPolicy;
  /** Writes of one store run one at a time: they share the index and HEAD. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(parts: GitKbStoreParts) {
    this.dir = parts.dir;
    this.hasRemote = parts.hasRemote;
    this.#git = parts.git;
    this.#editorGit = parts.editorGit;
    this.#retry = parts.retry;
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
          const current = await blobAt(this.#git, 'HEAD', file);
          const next = edit(current?.toString('utf8'));
          // An edit returning the text unchanged is "nothing to do", not an empty commit.
          if (next !== undefined && next !== current?.toString('utf8')) {
            await this.#commitFile(file, Buffer.from(next, 'utf8'), message, options.scope);
            changed = true;
          }
          if (this.hasRemote) await this.#pushIfAhead(options.scope);
          return { path: file, changed, commit: await resolveCommit(this.#git, 'HEAD') };
        },
        this.#retry,
      ),
    );
  }

  async exists(relPath: string): Promise<boolean> {
    return (await blobAt(this.#git, 'HEAD', normaliseKbPath(relPath))) !== undefined;
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
    return (await commitsTouching(this.#git, normaliseKbPath(relPath))).length;
  }

  headCommit(): Promise<string | undefined> {
    return resolveCommit(this.#git, 'HEAD');
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
    let onRemote: Buffer | undefined;
    if (this.hasRemote) {
      await this.#git.fetch('origin');
      onRemote = await blobAt(this.#git, UPSTREAM, file);
      if (onRemote !== undefined && !onRemote.equals(data)) {
        throw permanent(new KbPathTaken(file, 'remote', sha256, sha256Hex(onRemote)));
      }
    }
    const atHead = await blobAt(this.#git, 'HEAD', file);
    if (atHead !== undefined && !atHead.equals(data)) {
      throw permanent(new KbPathTaken(file, 'local-commit', sha256, sha256Hex(atHead)));
    }
    if (atHead === undefined && (await commitsTouching(this.#git, file)).length > 0) {
      throw permanent(new KbPathTaken(file, 'history', sha256, undefined));
    }
    if (this.hasRemote) {
      if (atHead === undefined && onRemote !== undefined) await this.#dropUncommittedCopy(file);
      await this.#integrate();
    }
    if ((await blobAt(this.#git, 'HEAD', file)) === undefined) {
      await this.#commitFile(file, data, message, scope);
    }
    if (this.hasRemote) await this.#pushIfAhead(scope);
    const commit = await commitThatAdded(this.#git, file);
    if (commit === undefined) throw new Error(`KB path ${file} has no commit after upload`);
    return { path: file, sha256, bytes: data.length, commit };
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

  async #commitFile(file: string, data: Buffer, message: string, scope: string | undefined): Promise<void> {
    const absolute = path.join(this.dir, file);
    await mkdir(path.dirname(absolute), { recursive: true });
    await writeFileAtomic(absolute, data);
    await this.#git.raw(['add', '--', file]);
    failpoint('kb.commit.before', scope);
    const result = await this.#git.commit(message, [file]);
    if (result.commit === '') throw new Error(`git commit of ${file} recorded nothing`);
    failpoint('kb.commit.after', scope);
  }

  async #pushIfAhead(scope: string | undefined): Promise<void> {
    const head = await resolveCommit(this.#git, 'HEAD');
    if (head === undefined) return;
    const upstream = await resolveCommit(this.#git, UPSTREAM);
    if (upstream !== undefined && (await countAhead(this.#git, 'HEAD', UPSTREAM)) === 0) return;
    failpoint('kb.push.before', scope);
    await this.#git.push('origin', `HEAD:refs/heads/${KB_BRANCH}`);
    failpoint('kb.push.after', scope);
  }

  /**
   * Brings HEAD up to `origin/main`: fast-forward into an empty KB, otherwise rebase local commits
   * on top. A conflict on `resolve.file` is settled by applying `resolve.edit` to the version being
   * rebased onto (the remote's), never by picking one side; any other conflict aborts the rebase
   * and fails the attempt.
   */
  async #integrate(resolve?: { file: string; edit: KbEdit }): Promise<void> {
    if ((await resolveCommit(this.#git, UPSTREAM)) === undefined) return;
    if ((await resolveCommit(this.#git, 'HEAD')) === undefined) {
      await this.#git.raw(['merge', '--ff-only', UPSTREAM]);
      return;
    }
    if ((await countAhead(this.#git, UPSTREAM, 'HEAD')) === 0) return;
    try {
      await this.#git.raw(['rebase', '--autostash', UPSTREAM]);
    } catch (error) {
      await this.#settleRebase(error, resolve);
    }
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
      const theirs = await blobAt(this.#git, 'HEAD', resolve.file);
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

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
