/**
 * Runs one integration suite on both engines: embedded PGlite (in memory) and real PostgreSQL
 * (a database of its own, dropped afterwards). Real-PostgreSQL suites skip when the global setup
 * found no server (and REQUIRE_REAL_PG is unset).
 */
import { afterAll, beforeAll, describe, inject } from 'vitest';
import type { Database } from '../../src/db/Database.js';
import { openPglite } from '../../src/db/openPglite.js';
import { openPostgres } from '../../src/db/openPostgres.js';
import { createTestDatabase, type TestDatabase } from './realPg.js';

/** What a suite body gets: the open database (valid inside tests and hooks) and its engine name. */
export interface EngineContext {
  readonly engine: 'pglite' | 'postgres';
  db(): Database;
  /** DSN of the real-PostgreSQL test database (undefined on PGlite). */
  url(): string | undefined;
}

/**
 * Declares `describe(`${title} [pglite]`)` and `describe(`${title} [postgres]`)`, each with its
 * own fresh database opened in `beforeAll` and closed (and dropped) in `afterAll`.
 */
export function describeEachEngine(title: string, body: (ctx: EngineContext) => void): void {
  for (const engine of ['pglite', 'postgres'] as const) {
    const skip = engine === 'postgres' && !inject('realPgAvailable');
    describe.skipIf(skip)(`${title} [${engine}]`, () => {
      let database: Database | undefined;
      let testDb: TestDatabase | undefined;
      beforeAll(async () => {
        if (engine === 'pglite') {
          database = await openPglite('memory://');
        } else {
          testDb = await createTestDatabase();
          database = await openPostgres(testDb.url);
        }
      });
      afterAll(async () => {
        await database?.close();
        await testDb?.drop();
      });
      body({
        engine,
        db: () => {
          if (database === undefined) throw new Error('database not open yet: use ctx.db() inside tests or hooks');
          return database;
        },
        url: () => testDb?.url,
      });
    });
  }
}
