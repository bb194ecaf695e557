/**
 * Probes real PostgreSQL once per test run. Unreachable → the real-PostgreSQL tests skip, with one
 * visible line; with `REQUIRE_REAL_PG=1` the run fails instead (issue 2).
 */
import type { TestProject } from 'vitest/node';
import { adminDsn, realPgReachable } from './support/realPg.js';

declare module 'vitest' {
  export interface ProvidedContext {
    realPgAvailable: boolean;
  }
}

export default async function setup(project: TestProject): Promise<void> {
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
}
