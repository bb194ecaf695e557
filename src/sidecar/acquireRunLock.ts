/**
 * The run lock `<dir>/<run_id>.lock` (DESIGN §2, §9): one orchestrator process per run on this
 * host. The DB advisory lock guards documents across hosts; this file guards one host. The
 * mechanism (pid file, atomic exclusive create, dead-pid takeover) is {@link acquirePidLock}.
 */
import { acquirePidLock, isPidAlive, type LockHolder, type RunLock } from './acquirePidLock.js';
import { sidecarPaths } from './sidecarPaths.js';

export { isPidAlive, type LockHolder, type RunLock };

/**
 * Takes the run lock of `runId` in `dir` (created when missing).
 *
 * @param now - start time to record; defaults to the current time
 * @returns the held lock; call `release()` when the process is done with the run
 * @throws LockHeld (`STOP_LOCKED`) naming the holder (pid, host, start) when a live process on
 *   this host or any process on another host holds it, when the lock file is unreadable, or when
 *   contention does not settle after a few attempts
 * @throws InputError on a run id that is not a UUIDv7
 */
export async function acquireRunLock(dir: string, runId: string, now: Date = new Date()): Promise<RunLock> {
  return acquirePidLock(sidecarPaths(dir, runId).lock, { label: `run ${runId}`, runId }, { now });
}
