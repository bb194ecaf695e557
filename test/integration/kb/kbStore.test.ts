import { createHash } from 'node:crypto';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { KbPathTaken } from '../../../src/kb/KbPathTaken.js';
import { UploadFailed } from '../../../src/kb/UploadFailed.js';
import { DEFAULT_UPLOAD_RETRY } from '../../../src/kb/uploadRetry.js';
import {
  failNextPushes,
  remoteFile,
  remoteLog,
  tempGitRepos,
  testGit,
  type TempGitRepos,
} from '../../support/gitRepos.js';

const DOC = 'knowledge/dev/laws/us-const/v008a06ace23a96ea-automation-cut-20260520/01-source-pin-20260520.md';
const DOC2 = 'knowledge/dev/laws/us-const/v008a06ace23a96ea-automation-cut-20260520/02-mark-20260520.md';
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

let repos: TempGitRepos;
beforeEach(async () => {
  repos = await tempGitRepos();
});
afterEach(async () => {
  vi.restoreAllMocks();
  await repos.cleanup();
});

describe('KB store without a remote', () => {
  test('upload writes, commits only that path, and reports sha256, bytes and the commit', async () => {
    const kb = await repos.kb('kb');
    await writeFile(path.join(kb.dir, 'unrelated.txt'), 'not part of the upload');
    const text = '# Source Pin · 01 of 11 · run\n\nbody é\n';
    const result = await kb.upload(DOC, text, 'source_pin: upload 01');

    expect(result.path).toBe(DOC);
    expect(result.sha256).toBe(sha256(text));
    expect(result.bytes).toBe(Buffer.byteLength(text));
    expect(result.commit).toBe(await kb.headCommit());
    expect(result.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(await kb.exists(DOC)).toBe(true);
    expect(Buffer.from(await kb.read(DOC)).toString('utf8')).toBe(text);
    expect(await kb.revisions(DOC)).toBe(1);
    const committed = await testGit(kb.dir).raw(['show', '--name-only', '--format=', 'HEAD']);
    expect(committed.trim()).toBe(DOC);
    expect(await kb.exists('unrelated.txt')).toBe(false);
    expect(kb.hasRemote).toBe(false);
  });

  test('an identical re-upload is a no-op that returns the commit that added the path', async () => {
    const kb = await repos.kb('kb');
    const first = await kb.upload(DOC, 'same bytes\n', 'first');
    const head = await kb.headCommit();
    const again = await kb.upload(DOC, new TextEncoder().encode('same bytes\n'), 'second');
    expect(again).toEqual(first);
    expect(await kb.headCommit()).toBe(head);
    expect(await kb.revisions(DOC)).toBe(1);
  });

  test('different bytes at a committed path are refused at once, never retried', async () => {
    const failed: number[] = [];
    const kb = await repos.kb('kb', { retry: { onFailedAttempt: (c) => void failed.push(c.attemptNumber) } });
    await kb.upload(DOC, 'original\n', 'first');
    const refused = kb.upload(DOC, 'rewritten\n', 'second');
    await expect(refused).rejects.toBeInstanceOf(KbPathTaken);
    await expect(refused).rejects.toMatchObject({ code: 'STOP_DRIFT', where: 'local-commit', existingSha256: sha256('original\n') });
    expect(failed).toEqual([]);
    expect(Buffer.from(await kb.read(DOC)).toString('utf8')).toBe('original\n');
    expect(await kb.revisions(DOC)).toBe(1);
  });

  test('a file written but never committed is committed (same bytes) or overwritten (other bytes)', async () => {
    const kb = await repos.kb('kb');
    await mkdir(path.dirname(path.join(kb.dir, DOC)), { recursive: true });
    await writeFile(path.join(kb.dir, DOC), 'half-written draft from a crash');
    await writeFile(path.join(kb.dir, DOC2), 'final 02\n');
    const overwritten = await kb.upload(DOC, 'final 01\n', 'upload 01');
    const adopted = await kb.upload(DOC2, 'final 02\n', 'upload 02');
    expect(await readFile(path.join(kb.dir, DOC), 'utf8')).toBe('final 01\n');
    expect(overwritten.sha256).toBe(sha256('final 01\n'));
    expect(adopted.sha256).toBe(sha256('final 02\n'));
    expect(await kb.revisions(DOC)).toBe(1);
    expect(await kb.revisions(DOC2)).toBe(1);
  });

  test('paths outside the KB are refused as input errors', async () => {
    const kb = await repos.kb('kb');
    for (const bad of ['', '/etc/passwd', '../escape.md', 'a/../../b', '.git/config', 'dir\\file.md', 'x/-rf']) {
      await expect(kb.upload(bad, 'x', 'm')).rejects.toBeInstanceOf(InputError);
    }
    expect(await kb.headCommit()).toBeUndefined();
    expect(await kb.list('nowhere')).toEqual([]);
  });

  test('list returns the files of a working-tree folder, sorted', async () => {
    const kb = await repos.kb('kb');
    await kb.upload(DOC2, 'b', 'm');
    await kb.upload(DOC, 'a', 'm');
    expect(await kb.list(path.posix.dirname(DOC))).toEqual([path.posix.basename(DOC), path.posix.basename(DOC2)]);
  });
});

describe('KB store with a bare remote', () => {
  test('upload lands on the remote', async () => {
    const remote = await repos.bareRemote();
    const kb = await repos.kb('kb', { remote });
    const result = await kb.upload(DOC, 'pinned\n', 'source_pin: upload 01');
    expect(kb.hasRemote).toBe(true);
    expect(await remoteFile(remote, DOC)).toBe('pinned\n');
    expect(await remoteLog(remote, DOC)).toEqual([result.commit]);
  });

  test.each([1, 2, 3])('%i injected push failure(s) are absorbed by the retries', async (failures) => {
    const remote = await repos.bareRemote();
    const attempts: number[] = [];
    const kb = await repos.kb('kb', { remote, retry: { onFailedAttempt: (c) => void attempts.push(c.attemptNumber) } });
    const pushes = await failNextPushes(kb.dir, failures);
    const result = await kb.upload(DOC, 'pinned\n', 'upload 01');
    expect(await pushes()).toBe(failures + 1);
    expect(attempts).toEqual(Array.from({ length: failures }, (_, i) => i + 1));
    expect(await remoteFile(remote, DOC)).toBe('pinned\n');
    expect(await kb.revisions(DOC)).toBe(1);
    expect(await remoteLog(remote, DOC)).toEqual([result.commit]);
  });

  test('a 4th push failure gives UploadFailed after waits of 1 s, 2 s and 4 s (default policy)', async () => {
    const remote = await repos.bareRemote();
    const realSetTimeout = globalThis.setTimeout;
    const waits: number[] = [];
    // Record what p-retry asks the runtime to wait, but do not actually wait.
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
      if (ms !== undefined && ms >= 1000) waits.push(ms);
      return realSetTimeout(fn, 0);
    }) as typeof setTimeout);
    const kb = await repos.kb('kb', { remote, retry: { ...DEFAULT_UPLOAD_RETRY } });
    const pushes = await failNextPushes(kb.dir, 4);
    const failure = await kb.upload(DOC, 'pinned\n', 'upload 01').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UploadFailed);
    const failed = failure as UploadFailed;
    expect(failed.attempts).toBe(4);
    expect(failed.code).toBe('STOP_KB_UPLOAD');
    expect(failed.message).toContain('injected failure 4');
    expect(String((failed.cause as Error).message)).toContain('injected failure 4');
    expect(waits).toEqual([1000, 2000, 4000]);
    expect(await pushes()).toBe(4);
    expect(await remoteFile(remote, DOC)).toBeUndefined();
  });

  test('a failing remote URL with credentials never leaks them into the error', async () => {
    const kb = await repos.kb('kb', { remote: 'http://deploy:Sup3rSecretTok@127.0.0.1:9/kb.git', retry: { retries: 1 } });
    const failure = await kb.upload(DOC, 'x\n', 'm').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UploadFailed);
    expect((failure as UploadFailed).attempts).toBe(2);
    expect((failure as Error).message).not.toContain('Sup3rSecretTok');
    expect((failure as Error).message).toMatch(/KB upload of .* failed after 2 attempt/);
  });

  test('a re-run after a failed push adopts the local commit and pushes it', async () => {
    const remote = await repos.bareRemote();
    const kb = await repos.kb('kb', { remote, retry: { retries: 0 } });
    await failNextPushes(kb.dir, 1);
    await expect(kb.upload(DOC, 'pinned\n', 'upload 01')).rejects.toBeInstanceOf(UploadFailed);
    const localCommit = await kb.headCommit();
    const result = await kb.upload(DOC, 'pinned\n', 'upload 01 again');
    expect(result.commit).toBe(localCommit);
    expect(await remoteLog(remote, DOC)).toEqual([localCommit]);
    expect(await kb.revisions(DOC)).toBe(1);
  });

  test('two clones racing to push both end up with their documents on the remote', async () => {
    const remote = await repos.bareRemote();
    const a = await repos.kb('a', { remote });
    const b = await repos.kb('b', { remote });
    await a.upload('knowledge/README.md', 'kb\n', 'seed');
    const docs = Array.from({ length: 4 }, (_, i) => `knowledge/dev/laws/x/run/0${i + 1}-doc.md`);
    await Promise.all([
      a.upload(docs[0]!, 'a1\n', 'a1').then(() => a.upload(docs[1]!, 'a2\n', 'a2')),
      b.upload(docs[2]!, 'b1\n', 'b1').then(() => b.upload(docs[3]!, 'b2\n', 'b2')),
    ]);
    for (const doc of docs) {
      expect(await remoteFile(remote, doc)).toMatch(/^[ab][12]\n$/);
      expect(await remoteLog(remote, doc)).toHaveLength(1);
    }
  });

  test('a push rejected as non-fast-forward is rebased and retried', async () => {
    const remote = await repos.bareRemote();
    const other = await repos.kb('other', { remote });
    const kb = await repos.kb('kb', {
      remote,
      // Between kb's first (failing) push and its retry, another clone pushes.
      retry: { onFailedAttempt: async () => void (await other.upload(DOC2, 'other 02\n', 'other')) },
    });
    await failNextPushes(kb.dir, 1);
    const result = await kb.upload(DOC, 'kb 01\n', 'kb');
    expect(await remoteFile(remote, DOC)).toBe('kb 01\n');
    expect(await remoteFile(remote, DOC2)).toBe('other 02\n');
    const history = await remoteLog(remote);
    expect(history[0]).toBe(result.commit);
    expect(history).toHaveLength(2);
  });

  test('different bytes already on the remote are refused; the same bytes are adopted', async () => {
    const remote = await repos.bareRemote();
    const a = await repos.kb('a', { remote });
    const b = await repos.kb('b', { remote });
    const first = await a.upload(DOC, 'from a\n', 'a');
    await expect(b.upload(DOC, 'from b\n', 'b')).rejects.toMatchObject({ name: 'KbPathTaken', code: 'STOP_DRIFT', where: 'remote' });
    await mkdir(path.dirname(path.join(b.dir, DOC)), { recursive: true });
    await writeFile(path.join(b.dir, DOC), 'from a\n');
    const adopted = await b.upload(DOC, 'from a\n', 'b again');
    expect(adopted.commit).toBe(first.commit);
    expect(await b.revisions(DOC)).toBe(1);
    expect(await remoteLog(remote, DOC)).toEqual([first.commit]);
  });

  test('a new clone opened on a populated remote sees its files after sync', async () => {
    const remote = await repos.bareRemote();
    const a = await repos.kb('a', { remote });
    await a.upload(DOC, 'from a\n', 'a');
    const b = await repos.kb('b', { remote });
    expect(await b.exists(DOC)).toBe(false);
    await b.sync();
    expect(await b.exists(DOC)).toBe(true);
    expect(await b.headCommit()).toBe(await a.headCommit());
  });
});
