/**
 * For end-to-end tests that open the database through the configuration: one suite per engine,
 * PGlite (undefined URL: the workspace's embedded database) and real PostgreSQL (a fresh database,
 * dropped afterwards), the latter skipped when no server is reachable.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, inject } from 'vitest';
import { createTestDatabase, type TestDatabase } from './realPg.js';

/** What a suite body learns about the engine it runs on. */
export interface EngineContext {
  engine: 'pglite' | 'postgres';
  /** The DATABASE_URL to use (undefined = the workspace's PGlite). */
  url(): string | undefined;
  /**
   * True on exactly one of the two engines: real PostgreSQL when a server is reachable (a cut there
   * takes about half the time), else PGlite. For variants whose subject never touches the database
   * (a signature refused, a push refused, another law through the same cutter), gated with
   * `test.runIf(single || …)`: every path still runs on both engines in at least one test.
   */
  single: boolean;
}

/**
 * Declares the suite once per engine.
 * `perTest`: a fresh real-PostgreSQL database for every test (tests that cut the same document).
 */
export function describeEachDatabase(title: string, body: (ctx: EngineContext) => void, options: { perTest?: boolean } = {}): void {
  const realPg = inject('realPgAvailable');
  for (const engine of ['pglite', 'postgres'] as const) {
    describe.skipIf(engine === 'postgres' && !realPg)(`${title} [${engine}]`, () => {
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
      body({ engine, url: () => testDb?.url, single: engine === (realPg ? 'postgres' : 'pglite') });
    });
  }
}
