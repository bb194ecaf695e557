/**
 * Crash matrix on real PostgreSQL (issue 13): two hosts (workspaces with their own sidecars and KB
 * clone) share one database and one KB remote. Every failpoint a full governed cut reaches kills
 * the real CLI; after a kill at a DB-write point the operator moves to the other host (no sidecar
 * of the run there, or an older one), after any other kill he stays. The points are dealt into
 * chains as on PGlite (pglite.crash.ts); `CRASH_MATRIX=isolated` kills each alone instead.
 * And a backend terminated inside leg A (`pg_terminate_backend`) leaves no row and a resumable run.
 */
import { rm } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, describe, expect, inject, test } from 'vitest';
import { tempGitRepos } from '../support/gitRepos.js';
import { createTestDatabase } from '../support/realPg.js';
import { runCli } from '../support/stopHelpers.js';
import { makeTeam } from '../support/team.js';
import { LAW, dealChains, endState, killVoid, expectUncrashedShape, isDbWritePoint, killAlone, killInChain, operate, reachedFailpoints, tracedRun, type Verdicts } from './crashMatrix.js';
import { printMatrix } from './matrixReport.js';

const SLOW = 1_800_000;
const ISOLATED = process.env['CRASH_MATRIX'] === 'isolated';
/** Chains the points are dealt into: 2 run at a time (vitest.crash.config.ts). */
const CHAINS = 6;

const available = inject('realPgAvailable');
const repos = await tempGitRepos('orchestrate-crash-pg-');
const verdicts: Verdicts = new Map();
let matrix: ReturnType<typeof reachedFailpoints> = { cases: [], aliases: new Map(), notReached: [] };
let baseline: { team: Awaited<ReturnType<typeof makeTeam>>; runId: string | undefined; crashed: string | undefined; log: string[]; drop(): Promise<void> } | undefined;

if (available) {
  const db = await createTestDatabase();
  const team = await makeTeam(repos, db.url, 1);
  const traced = await tracedRun(team.hosts[0]!, team.sovereignKey);
  matrix = reachedFailpoints(traced.reached);
  baseline = { team, runId: traced.operation.runId, crashed: traced.operation.crashed, log: traced.operation.log, drop: () => db.drop() };
}

/** Two hosts on a fresh database of their own; `dispose` drops it and removes the workspaces. */
async function freshTeam(): Promise<{ hosts: Awaited<ReturnType<typeof makeTeam>>['hosts']; sovereignKey: string; dispose(): Promise<void> }> {
  const db = await createTestDatabase();
  const team = await makeTeam(repos, db.url, 2);
  return {
    ...team,
    dispose: async () => {
      await db.drop();
      await Promise.all(team.hosts.map((h) => rm(h.dir, { recursive: true, force: true })));
    },
  };
}

afterAll(async () => {
  if (available) printMatrix('postgres', matrix, verdicts, ISOLATED ? ' (each alone)' : ` (in ${Math.min(CHAINS, matrix.cases.length)} chains; ${matrix.cases.filter(isDbWritePoint).length} DB-write kills moved the run to the other host)`);
  await baseline?.drop();
  await repos.cleanup();
});

describe.skipIf(!available).concurrent('crash matrix [postgres]', () => {
  test('the uncrashed baseline finishes with the end state every recovery must reach', async () => {
    expect(baseline!.crashed, baseline!.log.join('\n')).toBeUndefined();
    expectUncrashedShape(await endState(baseline!.team.hosts[0]!, baseline!.runId!));
    process.stdout.write(`baseline: ${baseline!.log.join(', ')}\n`);
  }, SLOW);

  test('void (a run at SG2, with a change set): killed at each point it passes in turn and run again until it succeeds (on the other host after a DB-write point): voided once, the document free again', async () => {
    await killVoid(freshTeam, verdicts);
  }, SLOW);

  if (ISOLATED) {
    test.each(matrix.cases)('killed at %s on host 0 (recovered on host 1 after a DB-write point)', async (failpoint) => {
      const team = await freshTeam();
      try {
        await killAlone(team.hosts, team.sovereignKey, failpoint, verdicts);
      } finally {
        await team.dispose();
      }
    }, SLOW);
  } else {
    test.each(dealChains(matrix.cases, CHAINS).map((points, i) => [i, points] as const))('chain %i: killed at each of its points in turn; a DB-write kill moves the run to the other host', async (i, points) => {
      const team = await freshTeam();
      try {
        const chain = await killInChain(team.hosts, team.sovereignKey, points, verdicts, freshTeam, `chain ${i}`);
        const moves = chain.kills.filter((k) => isDbWritePoint(k.point)).length;
        process.stdout.write(`chain ${i}: ${chain.kills.length} kills (${moves} moved the run to the other host), ${chain.unreached.length} killed alone\n`);
      } finally {
        await team.dispose();
      }
    }, SLOW);
  }

  test('a backend terminated inside leg A (pg_terminate_backend) leaves no row, and host B resumes the run to done', async () => {
    const db = await createTestDatabase();
    const blocker = new pg.Client({ connectionString: db.url });
    const watcher = new pg.Client({ connectionString: db.url });
    try {
      const team = await makeTeam(repos, db.url, 2);
      const [a, b] = [team.hosts[0]!, team.hosts[1]!];
      const started = JSON.parse((await runCli(a, ['cut', '--document-id', LAW, '--json'])).stdout) as { code: string; run_id: string };
      expect(started.code).toBe('AWAITING_SG1');
      const approved = await runCli(a, ['approve', '--run-id', started.run_id, '--gate', 'SG1', '--key', team.sovereignKey, '--yes', '--json']);
      expect(approved.code, approved.stderr).toBe(0);
      await blocker.connect();
      await watcher.connect();
      const blockerPid = (await blocker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      // Leg A's IU insert waits on this lock (reads are not blocked), so its backend is caught
      // inside the leg A transaction, after the change set row was inserted.
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE cutter.iu IN EXCLUSIVE MODE');
      let settled = false;
      const resumed = runCli(a, ['resume', '--run-id', started.run_id, '--json']).finally(() => {
        settled = true;
      });
      let victim: number | undefined;
      while (victim === undefined && !settled) {
        const r = await watcher.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> $1 AND wait_event_type = 'Lock' AND query ILIKE '%cutter.iu%'`,
          [blockerPid],
        );
        victim = r.rows[0]?.pid;
        if (victim === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(victim, 'leg A never reached its IU insert').toBeDefined();
      await watcher.query('SELECT pg_terminate_backend($1)', [victim]);
      while ((await watcher.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [victim])).rowCount !== 0) await new Promise((resolve) => setTimeout(resolve, 50));
      const rows = await watcher.query<{ cs: string; iu: string }>('SELECT (SELECT count(*) FROM cutter_governance.cut_change_set) AS cs, (SELECT count(*) FROM cutter.iu) AS iu');
      expect(rows.rows[0], 'rows left by the terminated leg A').toEqual({ cs: '0', iu: '0' });
      await blocker.query('ROLLBACK');
      const outcome = await resumed;
      expect(outcome.signal, outcome.stderr).toBeNull();
      expect(outcome.stderr, 'no stack trace').not.toMatch(/\n\s+at /);
      const recovery = await operate(b, team.sovereignKey);
      expect(recovery.crashed, recovery.log.join('\n')).toBeUndefined();
      expect(recovery.runId).toBe(started.run_id);
      expectUncrashedShape(await endState(b, started.run_id));
      const said = (JSON.parse(outcome.stdout || '{}') as { code?: string | null }).code;
      // The database failed, not the run: a clear stop that resume retries.
      expect(said, outcome.stderr).toBe('STOP_DB');
      process.stdout.write(`pg_terminate_backend inside leg A: the resume on host A ended with exit ${String(outcome.code)} (${said === undefined ? 'no JSON' : (said ?? 'ok')}); host B: ${recovery.log.join(', ')}\n`);
    } finally {
      await blocker.end().catch(() => undefined);
      await watcher.end().catch(() => undefined);
      await db.drop();
    }
  }, SLOW);
});
