/**
 * A pid lock file `{ pid, host, started_at }` (DESIGN §9: the sidecar lock guards one host).
 * Used for the run lock, the per-document cut lock and the embedded database's lock.
 *
 * Design (chosen over proper-lockfile, whose staleness is mtime-based and needs a refresh timer):
 * - the lock is a JSON file, published with an atomic exclusive create (`createFileExclusive`:
 *   temp file + `link`), so exactly one creator wins and nobody reads a torn lock;
 * - a lock held by a live pid on this host, or by any other host, is refused with {@link LockHeld}
 *   (STOP_LOCKED; after waiting up to `waitMs` for it to go away);
 * - a lock whose pid is dead on this host (`kill(pid, 0)` → ESRCH) is taken over: it is first
 *   renamed aside (only one contender's rename succeeds), checked to be the very lock judged dead,
 *   removed, and the exclusive create is retried — so two contenders never both win.
 * Limits: pid reuse (a dead holder's pid now used by an unrelated live process) makes the lock look
 * live: the operator removes it by hand after checking (LockHeld says who holds it).
 */
import { randomBytes } from 'node:crypto';
import { readFile, rename, unlink, link, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LockHeld, type LockHolder } from '../stops/facts.js';
import { createFileExclusive } from './createFileExclusive.js';

export type { LockHolder };

/** A held lock. */
export interface RunLock {
  /** path of the lock file */
  readonly file: string;
  /** what this process wrote into it */
  readonly holder: LockHolder;
  /** the dead holder whose lock was taken over, if any (worth reporting) */
  readonly takenOverFrom: LockHolder | null;
  /** Removes the lock if it is still ours; true when removed. Safe to call twice. */
  release(): Promise<boolean>;
}

/** What is being locked, for messages: e.g. `run <id>` and its run id. */
export interface LockSubject {
  label: string;
  runId?: string;
}

const ATTEMPTS = 5;

function held(file: string, subject: LockSubject, holder: LockHolder | null, why: LockHeld['why']): LockHeld {
  return new LockHeld({ file, label: subject.label, runId: subject.runId, holder, why });
}

function isLockHolder(value: unknown): value is LockHolder {
  const v = value as Partial<LockHolder> | null;
  return (
    typeof v === 'object' && v !== null && Number.isInteger(v.pid) && (v.pid ?? 0) > 0 &&
    typeof v.host === 'string' && typeof v.started_at === 'string'
  );
}

/** True when `pid` names a live process on this host (EPERM: alive, owned by someone else). */
export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

async function readText(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * Takes the lock file `file` (its folder is created when missing).
 *
 * @param options.now - start time to record; defaults to the current time
 * @param options.waitMs - how long to wait for a live holder on this host to release it (default 0),
 *   polling every 100 ms; a release seen while waiting does not count as contention
 * @returns the held lock; call `release()` when done
 * @throws LockHeld (`STOP_LOCKED`) naming the holder (pid, host, start) when a live process on
 *   this host (still, after `waitMs`) or any process on another host holds it, when the lock file
 *   is unreadable, or when contention does not settle after a few attempts
 */
export async function acquirePidLock(file: string, subject: LockSubject, options: { now?: Date; waitMs?: number } = {}): Promise<RunLock> {
  await mkdir(path.dirname(file), { recursive: true });
  const holder: LockHolder = { pid: process.pid, host: os.hostname(), started_at: (options.now ?? new Date()).toISOString() };
  const content = `${JSON.stringify(holder)}\n`;
  const deadline = Date.now() + (options.waitMs ?? 0);
  let takenOverFrom: LockHolder | null = null;

  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (await createFileExclusive(file, content)) {
      return {
        file,
        holder,
        takenOverFrom,
        async release() {
          if ((await readText(file)) !== content) return false;
          await unlink(file).catch(() => undefined);
          return true;
        },
      };
    }
    const seen = await readText(file);
    if (seen === null) {
      // The holder released between our create and our read: that is the wait ending, not
      // contention, so while waiting it must not use up the attempts (a long wait sees it often).
      if (Date.now() < deadline) attempt--;
      continue;
    }
    let current: unknown;
    try {
      current = JSON.parse(seen);
    } catch {
      current = null;
    }
    if (!isLockHolder(current)) {
      throw held(file, subject, null, 'unreadable');
    }
    if (current.host !== holder.host) {
      throw held(file, subject, current, 'other-host');
    }
    if (isPidAlive(current.pid)) {
      if (Date.now() < deadline) {
        await sleep(100);
        attempt--;
        continue;
      }
      throw held(file, subject, current, 'live');
    }
    // The holder is dead: move its lock aside so that only one contender removes it.
    const aside = `${file}.stale-${randomBytes(6).toString('hex')}`;
    try {
      await rename(file, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    if ((await readText(aside)) !== seen) {
      // Someone replaced the dead lock between our read and our rename: put theirs back.
      await link(aside, file).catch(() => undefined);
      await unlink(aside).catch(() => undefined);
      continue;
    }
    await unlink(aside);
    takenOverFrom = current;
  }
  throw held(file, subject, null, 'contended');
}
