/**
 * The cross-process lock on one KB clone (issue 13, "one writer per KB clone at a time"): several
 * `orchestrate` processes on one host share the workspace's `kb/` clone, and their
 * add/commit/fetch/rebase/push sequences must not interleave, or one process's rebase can drop or
 * rewrite another's commit and a recorded commit id would not be the one that reached the remote.
 * `GitKbStore` holds it around every write (upload, update, sync), on top of its in-process queue.
 *
 * It is the project's pid lock ({@link acquirePidLock}: atomic exclusive create, a dead holder on
 * this host taken over) in the clone's git dir, so it is never committed.
 */
import path from 'node:path';
import { acquirePidLock, type RunLock } from '../sidecar/acquirePidLock.js';

/** Name of the lock file inside the clone's git dir (`<kb>/.git/orchestrate-kb.lock`). */
export const KB_LOCK_FILE = 'orchestrate-kb.lock';

/**
 * How long a write waits for another process's write on the same clone: 10 minutes. One write
 * holds the clone at most about 4 attempts × (60 s of lost push races, gitKbStore's `PUSH_RACE_BUDGET_MS`, + its git
 * steps) + 7 s of fault-retry pauses ≈ 4–5 minutes (DESIGN §3 retries × the push-race budget);
 * ordinary writes take well under a second each. 10 minutes outlasts one worst-case holder plus a
 * queue of ordinary ones, so a waiter stops only when a holder is truly stuck.
 */
export const KB_LOCK_WAIT_MS = 10 * 60_000;

/**
 * Takes the lock of the clone whose git dir is `gitDir`, waiting up to `waitMs` for a live holder.
 *
 * @param gitDir - the clone's git dir, absolute (`git rev-parse --absolute-git-dir`)
 * @param workTree - the clone's work tree, to name it in the error
 * @param waitMs - how long to wait; default {@link KB_LOCK_WAIT_MS}
 * @returns the held lock; `release()` it in a `finally`
 * @throws LockHeld (`STOP_LOCKED`) labelled `the KB clone <workTree>`, naming the holder's pid and
 *   host, when it is still held after `waitMs` (or held from another host, or unreadable)
 */
export function lockKbClone(gitDir: string, workTree: string, waitMs: number = KB_LOCK_WAIT_MS): Promise<RunLock> {
  return acquirePidLock(path.join(gitDir, KB_LOCK_FILE), { label: `the KB clone ${workTree}` }, { waitMs });
}
