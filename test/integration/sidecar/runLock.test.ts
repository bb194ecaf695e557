import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { uuidv7 } from 'uuidv7';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { LockHeld } from '../../../src/stops/facts.js';
import { acquireRunLock, isPidAlive, type LockHolder } from '../../../src/sidecar/acquireRunLock.js';
import { sidecarPaths } from '../../../src/sidecar/sidecarPaths.js';
import { spawnFixture, waitForOutput, type Child } from './childProcess.js';
import { rejectionOf } from '../../support/rejection.js';

let dir: string;
const children: Child[] = [];
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'runlock-'));
});
afterEach(async () => {
  for (const c of children.splice(0)) c.proc.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

const stopOf = (promise: Promise<unknown>): Promise<LockHeld> => rejectionOf(promise, LockHeld);

/** The pid of a real process that has exited (and been reaped). */
async function deadPid(): Promise<number> {
  const proc = spawn(process.execPath, ['-e', '']);
  await new Promise((r) => proc.on('exit', r));
  const pid = proc.pid;
  if (pid === undefined) throw new Error('no pid');
  expect(isPidAlive(pid)).toBe(false);
  return pid;
}

async function writeLock(runId: string, holder: LockHolder): Promise<string> {
  const file = sidecarPaths(dir, runId).lock;
  await writeFile(file, `${JSON.stringify(holder)}\n`);
  return file;
}

describe('run lock', () => {
  test('writes { pid, host, started_at } at <run_id>.lock and releases it', async () => {
    const runId = uuidv7();
    const lock = await acquireRunLock(dir, runId, new Date('2026-05-20T10:00:00.000Z'));
    expect(lock.file).toBe(path.join(dir, `${runId}.lock`));
    expect(JSON.parse(await readFile(lock.file, 'utf8'))).toEqual({ pid: process.pid, host: os.hostname(), started_at: '2026-05-20T10:00:00.000Z' });
    expect(lock.takenOverFrom).toBeNull();
    expect(await lock.release()).toBe(true);
    expect(await lock.release()).toBe(false);
    await expect(readFile(lock.file)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  test('a second locker in the same (live) process is refused until release', async () => {
    const runId = uuidv7();
    const lock = await acquireRunLock(dir, runId);
    const error = await stopOf(acquireRunLock(dir, runId));
    expect(error.code).toBe('STOP_LOCKED');
    expect(error.message).toContain(`pid ${process.pid} on host ${os.hostname()}`);
    expect(error.runId).toBe(runId);
    await lock.release();
    await (await acquireRunLock(dir, runId)).release();
  });

  test('a live child holding the lock refuses us; once it is dead its lock is taken over', async () => {
    const runId = uuidv7();
    const child = spawnFixture(['hold-lock', dir, runId]);
    children.push(child);
    await waitForOutput(child, 'LOCKED');
    const held = JSON.parse(child.stdout().slice('LOCKED '.length)) as LockHolder;
    expect(held.pid).toBe(child.proc.pid);
    const error = await stopOf(acquireRunLock(dir, runId));
    expect(error.code).toBe('STOP_LOCKED');
    expect(error.message).toContain(`pid ${held.pid} on host ${held.host} since ${held.started_at}`);
    child.proc.kill('SIGKILL');
    await child.exited;
    const lock = await acquireRunLock(dir, runId);
    expect(lock.takenOverFrom).toEqual(held);
    expect(JSON.parse(await readFile(lock.file, 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  test('a dead pid lock on this host is taken over', async () => {
    const runId = uuidv7();
    const pid = await deadPid();
    const stale = { pid, host: os.hostname(), started_at: '2026-05-19T08:00:00.000Z' };
    await writeLock(runId, stale);
    const lock = await acquireRunLock(dir, runId);
    expect(lock.takenOverFrom).toEqual(stale);
    expect(JSON.parse(await readFile(lock.file, 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  test('a lock from another host is never taken over, even with a pid dead here', async () => {
    const runId = uuidv7();
    const other = { pid: await deadPid(), host: `not-${os.hostname()}`, started_at: '2026-05-19T08:00:00.000Z' };
    const file = await writeLock(runId, other);
    const before = await readFile(file, 'utf8');
    const error = await stopOf(acquireRunLock(dir, runId));
    expect(error.message).toMatch(/another host/);
    expect(error.message).toContain(other.host);
    expect(await readFile(file, 'utf8')).toBe(before);
  });

  test('an unreadable lock file is refused, not overwritten', async () => {
    const runId = uuidv7();
    const file = sidecarPaths(dir, runId).lock;
    await writeFile(file, 'garbage');
    expect((await stopOf(acquireRunLock(dir, runId))).message).toMatch(/unreadable lock/);
    expect(await readFile(file, 'utf8')).toBe('garbage');
  });

  test('release never removes a lock that is no longer ours', async () => {
    const runId = uuidv7();
    const lock = await acquireRunLock(dir, runId);
    const foreign = { pid: 1, host: os.hostname(), started_at: '2026-05-19T08:00:00.000Z' };
    await writeLock(runId, foreign);
    expect(await lock.release()).toBe(false);
    expect(JSON.parse(await readFile(lock.file, 'utf8'))).toEqual(foreign);
  });

  test('racing children over a dead lock: exactly one wins, the others get STOP_LOCKED', async () => {
    const runId = uuidv7();
    await writeLock(runId, { pid: await deadPid(), host: os.hostname(), started_at: '2026-05-19T08:00:00.000Z' });
    const racers = Array.from({ length: 6 }, () => spawnFixture(['hold-lock', dir, runId]));
    children.push(...racers);
    const outcomes = await Promise.all(
      racers.map((c) =>
        Promise.race([
          // a loser's exit decides its outcome below, so its rejected wait must not settle the race
          waitForOutput(c, 'LOCKED').then(() => 'locked' as const, () => new Promise<never>(() => undefined)),
          c.exited.then(({ code }) => (code === 1 && c.stderr().startsWith('LockHeld STOP_LOCKED:') ? 'refused' : `exit ${code}: ${c.stderr()}`)),
        ]),
      ),
    );
    expect(outcomes.filter((o) => o === 'locked')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'refused')).toHaveLength(5);
    const winner = racers[outcomes.indexOf('locked')];
    expect(JSON.parse(await readFile(sidecarPaths(dir, runId).lock, 'utf8')).pid).toBe(winner?.proc.pid);
  });
});
