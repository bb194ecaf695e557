/**
 * Probes real PostgreSQL once per test run. Unreachable → the real-PostgreSQL tests skip, with one
 * visible line; with `REQUIRE_REAL_PG=1` the run fails instead (issue 2).
 *
 * Probes the real-law corpus (`../shared/corpus`) the same way: absent → the real-law tests skip,
 * with one visible line; with `REQUIRE_CORPUS=1` the run fails instead (issue 12).
 */
import { rm } from 'node:fs/promises';
import type { TestProject } from 'vitest/node';
import { CORPUS_DIR, missingCorpusSources } from './support/corpus.js';
import { adminDsn, realPgReachable } from './support/realPg.js';
import { TEST_TMP_ROOT_ENV } from './testTmpRoot.js';

declare module 'vitest' {
  export interface ProvidedContext {
    realPgAvailable: boolean;
    corpusAvailable: boolean;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dsn = adminDsn();
  const ok = await realPgReachable(dsn);
  const where = new URL(dsn);
  if (!ok) {
    if (process.env['REQUIRE_REAL_PG'] === '1') {
      throw new Error(`REQUIRE_REAL_PG=1 but PostgreSQL is not reachable at ${where.host} — start it or unset REQUIRE_REAL_PG`);
    }
    process.stdout.write(`real PostgreSQL not reachable at ${where.host}: real-PostgreSQL tests are SKIPPED (PGlite tests still run)\n`);
  } else {
    process.stdout.write(`real PostgreSQL reachable at ${where.host}: integration tests run on PGlite and PostgreSQL\n`);
  }
  project.provide('realPgAvailable', ok);
  project.provide('corpusAvailable', probeCorpus());
  const tmpRoot = process.env[TEST_TMP_ROOT_ENV];
  if (tmpRoot !== undefined) process.stdout.write(`temp files of this run: ${tmpRoot} (removed at the end)\n`);
  return async () => {
    if (tmpRoot !== undefined) await rm(tmpRoot, { recursive: true, force: true });
  };
}

/** True when every corpus source is there; prints one line either way. */
function probeCorpus(): boolean {
  const missing = missingCorpusSources();
  if (missing.length > 0) {
    const what = `real-law corpus not found at ${CORPUS_DIR} (missing: ${missing.join(', ')})`;
    if (process.env['REQUIRE_CORPUS'] === '1') {
      throw new Error(`REQUIRE_CORPUS=1 but the ${what} — put ../shared/corpus beside the repository or unset REQUIRE_CORPUS`);
    }
    process.stdout.write(`${what}: real-law tests are SKIPPED (fixture tests still run)\n`);
    return false;
  }
  process.stdout.write(`real-law corpus found at ${CORPUS_DIR}: real-law tests run\n`);
  return true;
}
