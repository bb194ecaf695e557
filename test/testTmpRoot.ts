/**
 * One temporary root per test run (issue 11, suite time): every test's temp directories, workspaces,
 * PGlite data directories and KB clones go under it (`TMPDIR`, so `os.tmpdir()` in the tests, in
 * the code under test and in the CLI processes they spawn). On a tmpfs (`/dev/shm`, when present
 * with room to spare) creating and removing the ~1,400 files of a PGlite data directory and the
 * fsyncs of git and PostgreSQL cost no disk I/O: measured here, the whole `npm test` went from 330 s
 * to 297 s. The global setup's teardown removes the root, so nothing is left behind.
 */
import { mkdtempSync, statfsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Free bytes a tmpfs must have to be used: a whole run's live temp data stays well below this. */
const MIN_FREE_BYTES = 4 * 2 ** 30;

/** Env var through which the global setup learns which root to remove. */
export const TEST_TMP_ROOT_ENV = 'ORCHESTRATE_TEST_TMP_ROOT';

/**
 * Creates this run's temp root: under `/dev/shm` when it is a writable tmpfs with ≥ 4 GiB free, else
 * under the OS temp dir; `ORCHESTRATE_TEST_TMPDIR` chooses the parent explicitly.
 * @returns the absolute path of the new, empty directory
 */
export function makeTestTmpRoot(): string {
  const chosen = process.env['ORCHESTRATE_TEST_TMPDIR'];
  const parent = chosen ?? (shmUsable() ? '/dev/shm' : os.tmpdir());
  return mkdtempSync(path.join(parent, 'orchestrate-tests-'));
}

function shmUsable(): boolean {
  try {
    const s = statfsSync('/dev/shm');
    return s.bavail * s.bsize >= MIN_FREE_BYTES;
  } catch {
    return false;
  }
}
