/**
 * Issue 13, "one writer per KB clone at a time": KB writes of all processes using one clone are
 * serialized by a cross-process lock on the clone, so no rebase drops or rewrites another
 * process's commit, and a recorded commit id is the one that reached the remote. The acceptance
 * ("8 documents cut by 8 processes sharing one clone while another host pushes") is exercised at
 * the KB layer: 8 real child processes upload into one clone and each appends its runs-index line.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { stopFromError } from '../../../machines/stopFromError.js';
import { KB_LOCK_FILE } from '../../../src/kb/lockKbClone.js';
import type { PhaseDeps } from '../../../src/orchestrator/PhaseDeps.js';
import { publishAfterWrite } from '../../../src/orchestrator/publishRunDocument.js';
import { RUNS_INDEX_PATH, parseRunsIndex } from '../../../src/kb/runsIndex.js';
import { isPidAlive } from '../../../src/sidecar/acquirePidLock.js';
import { LockHeld } from '../../../src/stops/facts.js';
import { stopCodeOf } from '../../../src/stops/stopCodeOf.js';
import { hermeticGitEnv, remoteFile, remoteLog, tempGitRepos, testGit, type TempGitRepos } from '../../support/gitRepos.js';
import { sampleReports } from '../../unit/reports/sampleReports.js';
import { spawnKbWriter, writerCommits, writerDocument, writerFolder } from '../../support/kbWriters.js';
import { waitForOutput } from '../sidecar/childProcess.js';

const WRITERS = 8;
const FILES_EACH = 3;
const runIdOf = (i: number): string => `0196f2a4-7c1e-7a3b-9d2e-${String(i).padStart(12, '0')}`;

let repos: TempGitRepos;
beforeEach(async () => {
  repos = await tempGitRepos('kb-clone-lock-');
});
afterEach(async () => {
  await repos.cleanup();
});

async function onRemoteMain(remote: string, commit: string): Promise<boolean> {
  try {
    await testGit(remote).raw(['merge-base', '--is-ancestor', commit, 'main']);
    return true;
  } catch {
    return false;
  }
}

/** Lock files (and stale or temp leftovers of them) in a clone's git dir. */
async function lockFiles(kbDir: string): Promise<string[]> {
  return (await readdir(path.join(kbDir, '.git'))).filter((name) => name.startsWith(KB_LOCK_FILE));
}

test(`${WRITERS} processes sharing one clone while another host pushes: every write lands once, at the commit it recorded`, async () => {
  const remote = await repos.bareRemote();
  const shared = await repos.kb('shared', { remote });
  await shared.upload('knowledge/dev/laws/lock-test/seed.md', 'seed\n', 'seed');
  const other = await repos.kb('other-host', { remote });
  await other.sync();

  const writers = Array.from({ length: WRITERS }, (_, i) =>
    spawnKbWriter(['write', shared.dir, repos.root, `writer-${i}`, String(FILES_EACH), runIdOf(i)]),
  );
  await Promise.all(writers.map((writer) => waitForOutput(writer, 'READY')));
  const started = Date.now();
  for (const writer of writers) writer.stdin.end();
  let finished = false;
  const exits = Promise.all(writers.map((writer) => writer.exited)).finally(() => {
    finished = true;
  });
  // "Another host": a second clone of the same remote pushes for as long as the writers run.
  const otherCommits: string[] = [];
  do {
    otherCommits.push((await other.upload(`knowledge/dev/laws/other-host/n-${otherCommits.length}.md`, `other ${otherCommits.length}\n`, 'other host')).commit);
  } while (!finished);
  const results = await exits;
  const elapsedMs = Date.now() - started;

  const recorded = writers.flatMap((writer) => writerCommits(writer));
  const documents = Array.from({ length: WRITERS }, (_, i) =>
    Array.from({ length: FILES_EACH }, (_, j) => ({ file: `${writerFolder(`writer-${i}`)}/doc-${j}.md`, bytes: writerDocument(`writer-${i}`, j) })),
  ).flat();
  const landedOnce: string[] = [];
  for (const { file, bytes } of documents) {
    const commits = recorded.filter(([p]) => p === file).map(([, id]) => id);
    if ((await remoteFile(remote, file)) === bytes && commits.length === 1 && (await remoteLog(remote, file)).join() === commits.join()) landedOnce.push(file);
  }
  const notOnRemote: string[] = [];
  for (const id of [...recorded.map(([, id]) => id), ...otherCommits]) if (!(await onRemoteMain(remote, id))) notOnRemote.push(id);
  const index = parseRunsIndex((await remoteFile(remote, RUNS_INDEX_PATH)) ?? '');
  const clone = testGit(shared.dir, repos.root);
  await clone.fetch('origin');

  expect({
    exits: results.map((r, i) => (r.code === 0 ? 0 : `${r.code ?? r.signal}: ${writers[i]?.stderr().trim()}`)),
    failedAttempts: writers.flatMap((writer) => writer.stdout().split('\n').filter((line) => line.startsWith('FAILED_ATTEMPT'))),
    documentsLandedOnceAtRecordedCommit: landedOnce.length,
    runsIndexRunIds: index.entries.map((entry) => entry.runId).sort(),
    recordedCommitsNotOnRemote: notOnRemote,
    cloneAheadOfRemote: (await clone.raw(['rev-list', '--count', 'origin/main..HEAD'])).trim(),
    cloneStatus: (await clone.raw(['status', '--porcelain'])).trim(),
    lockFilesLeft: await lockFiles(shared.dir),
  }).toEqual({
    exits: Array.from({ length: WRITERS }, () => 0),
    failedAttempts: [],
    documentsLandedOnceAtRecordedCommit: WRITERS * FILES_EACH,
    runsIndexRunIds: Array.from({ length: WRITERS }, (_, i) => runIdOf(i)).sort(),
    recordedCommitsNotOnRemote: [],
    cloneAheadOfRemote: '0',
    cloneStatus: '',
    lockFilesLeft: [],
  });
  expect(recorded).toHaveLength(WRITERS * (FILES_EACH + 1));
  expect(index.issues).toEqual([]);
  expect(otherCommits.length).toBeGreaterThan(0);
  const writeMs = writers.flatMap((writer) => writer.stdout().split('\n').filter((line) => line.startsWith('COMMIT ')).map((line) => Number(line.split(' ')[3])));
  writeMs.sort((a, b) => a - b);
  process.stderr.write(
    `kbCloneLock: ${WRITERS} writers × ${FILES_EACH + 1} writes in ${elapsedMs} ms (one write, lock wait included: median ${writeMs[writeMs.length >> 1]} ms, max ${writeMs.at(-1)} ms); ` +
      `the other host pushed ${otherCommits.length} commits\n`,
  );
});

test('a write waits while another process holds the clone and proceeds once it releases', async () => {
  const kb = await repos.kb('kb');
  const holder = spawnKbWriter(['hold', kb.dir]);
  await waitForOutput(holder, 'LOCKED');
  let settled = false;
  const write = kb.upload('knowledge/dev/laws/x/after.md', 'after\n', 'after');
  void write.finally(() => {
    settled = true;
  }).catch(() => undefined);
  // A slow machine can only make this check weaker (the write not yet at the lock), never fail it.
  await sleep(1000);
  expect(settled).toBe(false);
  expect(await kb.headCommit()).toBeUndefined();

  holder.stdin.write('release\n');
  await waitForOutput(holder, 'RELEASED');
  const up = await write;
  expect(up.commit).toBe(await kb.headCommit());
  // The holder is still alive: the write went on because it released, not because it died.
  expect(isPidAlive(holder.proc.pid ?? 0)).toBe(true);
  holder.stdin.end();
  expect((await holder.exited).code).toBe(0);
  expect(await lockFiles(kb.dir)).toEqual([]);
});

test('a holder that outlasts the wait stops the write with STOP_LOCKED naming it; the lock is not retried as a git fault', async () => {
  const remote = await repos.bareRemote();
  let failedAttempts = 0;
  const kb = await repos.kb('kb', { remote, lockWaitMs: 300, retry: { onFailedAttempt: () => void failedAttempts++ } });
  const holder = spawnKbWriter(['hold', kb.dir]);
  await waitForOutput(holder, 'LOCKED');
  try {
    const holderText = `the KB clone ${kb.dir} is locked by pid ${holder.proc.pid} on host ${os.hostname()}`;
    for (const write of [
      () => kb.upload('knowledge/dev/laws/x/a.md', 'a\n', 'a'),
      () => kb.update('knowledge/dev/laws/x/index.md', (text) => `${text ?? ''}- a\n`, 'index'),
      () => kb.sync(),
    ]) {
      const error: unknown = await write().then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(LockHeld);
      expect(stopCodeOf(error)).toBe('STOP_LOCKED');
      expect((error as LockHeld).message).toContain(holderText);
      expect((error as LockHeld).file).toBe(path.join(kb.dir, '.git', KB_LOCK_FILE));
    }
    expect(failedAttempts).toBe(0);
    expect(await remoteLog(remote).catch(() => [])).toEqual([]);
  } finally {
    holder.stdin.end();
    await holder.exited;
  }
});

test('a lock left by a killed process is taken over by the next write', async () => {
  const kb = await repos.kb('kb');
  const holder = spawnKbWriter(['hold', kb.dir]);
  await waitForOutput(holder, 'LOCKED');
  holder.proc.kill('SIGKILL');
  expect((await holder.exited).signal).toBe('SIGKILL');
  expect(existsSync(path.join(kb.dir, '.git', KB_LOCK_FILE))).toBe(true);

  const up = await kb.upload('knowledge/dev/laws/x/after.md', 'after\n', 'after');
  expect(up.commit).toBe(await kb.headCommit());
  expect(await lockFiles(kb.dir)).toEqual([]);
});

test('a writer killed mid-rebase: its lock is taken over, its rebase aborted, and its local commit still reaches the remote', async () => {
  const remote = await repos.bareRemote();
  const kb = await repos.kb('kb', { remote });
  await kb.upload('knowledge/dev/laws/x/first.md', 'first\n', 'first');
  const other = await repos.kb('other-host', { remote });
  await other.sync();
  await other.upload('knowledge/dev/laws/x/theirs.md', 'theirs\n', 'theirs');
  // The dead writer's state: a local commit not pushed yet, and a rebase onto the remote stopped half way.
  const git = testGit(kb.dir, repos.root);
  await git.raw(['commit', '--allow-empty', '-m', 'unpushed local commit']);
  await git.fetch('origin');
  // Plain git: simple-git refuses `--exec`. The exec fails, so the rebase stops with its state on disk.
  try {
    execFileSync('git', ['-c', 'user.name=Dead', '-c', 'user.email=dead@example.org', 'rebase', '--exec', 'false', 'origin/main'], {
      cwd: kb.dir,
      env: { ...process.env, ...hermeticGitEnv(repos.root) },
      stdio: 'ignore',
    });
  } catch {
    // expected: the rebase stopped
  }
  expect(existsSync(path.join(kb.dir, '.git', 'rebase-merge'))).toBe(true);
  const holder = spawnKbWriter(['hold', kb.dir]);
  await waitForOutput(holder, 'LOCKED');
  holder.proc.kill('SIGKILL');
  await holder.exited;

  const up = await kb.upload('knowledge/dev/laws/x/after.md', 'after\n', 'after');
  expect(await onRemoteMain(remote, up.commit)).toBe(true);
  expect(existsSync(path.join(kb.dir, '.git', 'rebase-merge'))).toBe(false);
  expect((await testGit(remote).raw(['log', '--format=%s', 'main'])).split('\n')).toEqual(
    expect.arrayContaining(['unpushed local commit', 'theirs', 'first', 'after']),
  );
  expect(await lockFiles(kb.dir)).toEqual([]);
});

test('a run document refused by a busy KB clone stops the run with STOP_LOCKED, naming the holder, the run, what was and was not written', async () => {
  const kb = await repos.kb('kb', { lockWaitMs: 300 });
  const { mark } = await sampleReports();
  const runId = mark.runId;
  const folder = 'knowledge/dev/laws/us-const/v8f4687f71119c2dc-automation-cut-20261120';
  // Only what publishing a run document reads of the phase deps.
  const deps = {
    kb,
    run: { run_id: runId, kb_folder: folder, law_id: 'us-const' },
    clock: () => new Date('2026-11-20T10:00:00Z'),
    config: { secrets: [] },
  } as unknown as PhaseDeps;
  const holder = spawnKbWriter(['hold', kb.dir]);
  await waitForOutput(holder, 'LOCKED');
  try {
    const law = { title: 'Constitution', documentId: 'us-const', sourceVersionId: '8f4687f71119c2dc'.padEnd(64, '0') };
    const error = await publishAfterWrite(deps, 'mark', { ...mark, law }, ['units rows']).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(LockHeld);
    const stop = stopFromError(error, 'mark', '');
    expect(stop).toMatchObject({
      code: 'STOP_LOCKED',
      detail: { runId, written: ['units rows'], notWritten: [expect.stringMatching(new RegExp(`^${folder}/`))] },
    });
    expect(stop.message).toContain(`the KB clone ${kb.dir} is locked by pid ${holder.proc.pid}`);
  } finally {
    holder.stdin.end();
    await holder.exited;
  }
});
