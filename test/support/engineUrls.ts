/**
 * For end-to-end tests that open the database through the configuration: one suite per engine,
 * PGlite (undefined URL: the workspace's embedded database) and real PostgreSQL (a fresh database,
 * dropped afterwards), the latter skipped when no server is reachable.
 */
import { afterAll, beforeAll, describe, inject } from 'vitest';
import { createTestDatabase, type TestDatabase } from './realPg.js';

/** Declares the suite once per engine; `url()` is the DATABASE_URL to use (undefined = PGlite). */
export function describeEachDatabase(title: string, body: (ctx: { engine: 'pglite' | 'postgres'; url(): string | undefined }) => void): void {
  for (const engine of ['pglite', 'postgres'] as const) {
    describe.skipIf(engine === 'postgres' && !inject('realPgAvailable'))(`${title} [${engine}]`, () => {
      let testDb: TestDatabase | undefined;
      beforeAll(async () => {
        if (engine === 'postgres') testDb = await createTestDatabase();
      });
      afterAll(async () => {
        await testDb?.drop();
      });
      body({ engine, url: () => testDb?.url });
    });
  }
}
