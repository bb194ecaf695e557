/**
 * For end-to-end tests that open the database through the configuration: one suite per engine,
 * PGlite (undefined URL: the workspace's embedded database) and real PostgreSQL (a fresh database,
 * dropped afterwards), the latter skipped when no server is reachable.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, inject } from 'vitest';
import { createTestDatabase, type TestDatabase } from './realPg.js';

/**
 * Declares the suite once per engine; `url()` is the DATABASE_URL to use (undefined = PGlite).
 * `perTest`: a fresh real-PostgreSQL database for every test (tests that cut the same document).
 */
export function describeEachDatabase(title: string, body: (ctx: { engine: 'pglite' | 'postgres'; url(): string | undefined }) => void, options: { perTest?: boolean } = {}): void {
  for (const engine of ['pglite', 'postgres'] as const) {
    describe.skipIf(engine === 'postgres' && !inject('realPgAvailable'))(`${title} [${engine}]`, () => {
      let testDb: TestDatabase | undefined;
      const before = options.perTest === true ? beforeEach : beforeAll;
      const after = options.perTest === true ? afterEach : afterAll;
      before(async () => {
        if (engine === 'postgres') testDb = await createTestDatabase();
      });
      after(async () => {
        await testDb?.drop();
        testDb = undefined;
      });
      body({ engine, url: () => testDb?.url });
    });
  }
}
