/**
 * File names of a run's sidecar files (DESIGN §2): `<dir>/<run_id>.json` (the RunContext),
 * `<dir>/<run_id>.lock` (the run lock) and `<dir>/<run_id>.backup.gpg` (the encrypted backup).
 */
import path from 'node:path';
import { InputError } from '../errors.js';

const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * Refuses a run id that is not a lowercase UUIDv7, so it can never escape the sidecar directory.
 *
 * @throws InputError naming the field `run_id`
 */
export function assertRunId(runId: string): void {
  if (!RUN_ID.test(runId)) {
    throw new InputError(`run id ${JSON.stringify(runId)} is not a lowercase UUIDv7`, { field: 'run_id' }, [
      { path: 'run_id', message: 'must be a lowercase UUIDv7' },
    ]);
  }
}

/** Paths of the three sidecar files of one run in `dir` (DESIGN §2). @throws InputError on a bad run id */
export function sidecarPaths(dir: string, runId: string): { context: string; lock: string; backup: string } {
  assertRunId(runId);
  return {
    context: path.join(dir, `${runId}.json`),
    lock: path.join(dir, `${runId}.lock`),
    backup: path.join(dir, `${runId}.backup.gpg`),
  };
}
