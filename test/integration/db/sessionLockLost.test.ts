/**
 * Issue 13: a run's database session lock lives as long as its connection. When that connection
 * fails while the holding process lives (server restart, network, `pg_terminate_backend`), the
 * server frees the lock at once and another host may take the run; the holder must learn it, and
 * stops before its next step (`assertRunLockHeld`, STOP_DB) instead of driving on unlocked.
 */
import pg from 'pg';
import { createActor, toPromise } from 'xstate';
import { describe, expect, inject, test, vi } from 'vitest';
import { openPostgres } from '../../../src/db/openPostgres.js';
import { StopError } from '../../../src/errors.js';
import { createPhaseActors } from '../../../src/orchestrator/createPhaseActors.js';
import { assertRunLockHeld, type PhaseDeps } from '../../../src/orchestrator/PhaseDeps.js';
import { holdRunSessionLock } from '../../../src/registry/runRegistry.js';
import { createTestDatabase } from '../../support/realPg.js';

const RUN = '0196f2a4-7c1e-7a3b-9d2e-00000000a0c7';

describe.skipIf(!inject('realPgAvailable'))('the run session lock on real PostgreSQL', () => {
  test('a lock whose connection is terminated reports itself lost; the run is free for another holder; a released one is not lost', async () => {
    const testDb = await createTestDatabase();
    const db = await openPostgres(testDb.url);
    const admin = new pg.Client({ connectionString: testDb.url });
    await admin.connect();
    try {
      const held = await holdRunSessionLock(db, RUN);
      expect(held.lost()).toBeUndefined();
      const killed = await admin.query<{ ok: boolean }>(
        `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE $1`,
        [`orchestrate pid ${process.pid} since %`],
      );
      expect(killed.rows.map((r) => r.ok)).toEqual([true]);
      // The driver learns it from the socket (an event, not a timer); waitFor only bounds the wait.
      await vi.waitFor(() => expect(held.lost()).toBeDefined(), { timeout: 30_000, interval: 20 });
      expect(held.lost()).not.toContain(new URL(testDb.url).password || '\u0000');

      // The server freed it: another process takes the run, while the first one must stop.
      const other = await holdRunSessionLock(db, RUN);
      expect(other.lost()).toBeUndefined();
      await other.release();
      await held.release();

      const again = await holdRunSessionLock(db, RUN);
      await again.release();
      expect(again.lost()).toBeUndefined();
    } finally {
      await admin.end();
      await db.close();
      await testDb.drop();
    }
  });
});

test('assertRunLockHeld: a lost lock stops the step with STOP_DB naming the run and the resume; a held one (or none) passes', () => {
  const deps = (lost: (() => string | undefined) | undefined): PhaseDeps =>
    ({ run: { run_id: RUN }, ...(lost === undefined ? {} : { runLockLost: lost }) }) as unknown as PhaseDeps;
  expect(() => assertRunLockHeld(deps(undefined))).not.toThrow();
  expect(() => assertRunLockHeld(deps(() => undefined))).not.toThrow();
  let thrown: unknown;
  try {
    assertRunLockHeld(deps(() => 'terminating connection due to administrator command'));
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(StopError);
  expect(thrown).toMatchObject({ code: 'STOP_DB', details: { runId: RUN, written: [] } });
  expect((thrown as StopError).message).toContain('terminating connection due to administrator command');
  expect((thrown as StopError).details.next).toContain(`orchestrate resume ${RUN}`);
});

test('every phase actor and the internal gate check the lock first: with it lost they stop STOP_DB before touching anything', async () => {
  const touched: string[] = [];
  const untouchable = new Proxy({}, { get: (_t, key) => { touched.push(String(key)); throw new Error(`touched ${String(key)}`); } });
  const deps = {
    config: untouchable, db: untouchable, kb: untouchable,
    run: { run_id: RUN },
    keyring: () => Promise.reject(new Error('touched the keyring')),
    clock: () => new Date(),
    progress: { stepStarted: () => undefined, stepDone: () => undefined, stepFailed: () => undefined },
    runLockLost: () => 'the connection ended',
  } as unknown as PhaseDeps;
  const actors = createPhaseActors(deps);
  for (const name of ['internalGate', 'source_pin', 'cut_leg_a', 'lifecycle_enact'] as const) {
    const actor = createActor(actors[name], { input: { context: {}, step: name } as never });
    actor.start();
    await expect(toPromise(actor), name).rejects.toMatchObject({ code: 'STOP_DB' });
  }
  expect(touched).toEqual([]);
});
