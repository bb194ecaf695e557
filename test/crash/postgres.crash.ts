/**
 * Crash matrix on real PostgreSQL (issue 13): a sample of the failpoints a full governed cut
 * reaches — every DB-write point, and evenly spread others, at least 20 in all — kills the real
 * CLI on host A; after a DB-write point the run is recovered on host B (another workspace with the
 * same database and KB remote, no sidecar of the run), after the others on host A. And a backend
 * terminated inside leg A (`pg_terminate_backend`) leaves no row and a resumable run.
 */
import pg from 'pg';
import { afterAll, describe, expect, inject, test } from 'vitest';
import { tempGitRepos } from '../support/gitRepos.js';
import { createTestDatabase } from '../support/realPg.js';
import { runCli } from '../support/stopHelpers.js';
import { makeTeam } from '../support/team.js';
import { LAW, endState, expectUncrashedShape, isDbWritePoint, operate, reachedFailpoints, tracedRun } from './crashMatrix.js';
import { printMatrix, type Verdicts } from './matrixReport.js';

const SLOW = 1_200_000;
/** How many failpoints the PostgreSQL sample holds at least (issue 13). */
const SAMPLE_AT_LEAST = 20;

const available = inject('realPgAvailable');
const repos = await tempGitRepos('orchestrate-crash-pg-');
const verdicts: Verdicts = new Map();
let matrix: ReturnType<typeof reachedFailpoints> = { cases: [], aliases: new Map(), notReached: [] };
let sample: string[] = [];
let baselineRun: { url: string; runId: string | undefined; crashed: string | undefined; log: string[]; drop(): Promise<void> } | undefined;
let baselineHost: Awaited<ReturnType<typeof makeTeam>>['hosts'][number] | undefined;

if (available) {
  const db = await createTestDatabase();
  const team = await makeTeam(repos, db.url, 1);
  const traced = await tracedRun(team.hosts[0]!, team.sovereignKey);
  matrix = reachedFailpoints(traced.reached);
  sample = pickSample(matrix.cases, SAMPLE_AT_LEAST);
  baselineHost = team.hosts[0]!;
  baselineRun = { url: db.url, runId: traced.operation.runId, crashed: traced.operation.crashed, log: traced.operation.log, drop: () => db.drop() };
}

/** Every DB-write point of `reached`, then others spread evenly until `atLeast` (all when fewer). */
function pickSample(points: readonly string[], atLeast: number): string[] {
  const db = points.filter(isDbWritePoint);
  const others = points.filter((p) => !isDbWritePoint(p));
  const need = Math.min(others.length, Math.max(0, atLeast - db.length));
  const picked = new Set<string>();
  for (let i = 0; i < need; i++) picked.add(others[Math.floor((i * others.length) / need)]!);
  return [...db, ...others.filter((p) => picked.has(p))];
}

afterAll(async () => {
  if (available) printMatrix('postgres', matrix, verdicts, ` (a sample: every DB-write point, recovered on host B, and ${sample.filter((p) => !isDbWritePoint(p)).length} others)`);
  await baselineRun?.drop();
  await repos.cleanup();
});

describe.skipIf(!available).concurrent('crash matrix [postgres]', () => {
  test('the uncrashed baseline finishes with the end state every recovery must reach', async () => {
    expect(baselineRun!.crashed, baselineRun!.log.join('\n')).toBeUndefined();
    expectUncrashedShape(await endState(baselineHost!, baselineRun!.runId!));
    expect(sample.length).toBeGreaterThanOrEqual(Math.min(SAMPLE_AT_LEAST, matrix.cases.length));
  }, SLOW);

  test.each(sample)('killed at %s on host A', async (failpoint) => {
    verdicts.set(failpoint, 'reached');
    const db = await createTestDatabase();
    try {
      const team = await makeTeam(repos, db.url, 2);
      const [a, b] = [team.hosts[0]!, team.hosts[1]!];
      const crash = await operate(a, team.sovereignKey, { ORCHESTRATE_FAILPOINT: failpoint });
      expect(crash.crashed, `not killed:\n${crash.log.join('\n')}`).toBeDefined();
      const host = isDbWritePoint(failpoint) ? b : a;
      const recovery = await operate(host, team.sovereignKey);
      expect(recovery.crashed, recovery.log.join('\n')).toBeUndefined();
      expectUncrashedShape(await endState(host, recovery.runId!));
      verdicts.set(failpoint, `recovered on host ${host === a ? 'A' : 'B'} (killed in ${crash.crashed}; ${recovery.log.join(', ')})`);
    } finally {
      await db.drop();
    }
  }, SLOW);

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
          [(await blocker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid],
        );
        victim = r.rows[0]?.pid;
        if (victim === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(victim, 'leg A never reached its IU insert').toBeDefined();
      await watcher.query('SELECT pg_terminate_backend($1)', [victim]);
      while ((await watcher.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [victim])).rowCount !== 0) await new Promise((resolve) => setTimeout(resolve, 50));
      const rows = await watcher.query<{ cs: string; iu: string }>(
        'SELECT (SELECT count(*) FROM cutter_governance.cut_change_set) AS cs, (SELECT count(*) FROM cutter.iu) AS iu',
      );
      expect(rows.rows[0], 'rows left by the terminated leg A').toEqual({ cs: '0', iu: '0' });
      await blocker.query('ROLLBACK');
      const outcome = await resumed;
      expect(outcome.signal, outcome.stderr).toBeNull();
      expect(outcome.stderr, 'no stack trace').not.toMatch(/\n\s+at /);
      const recovery = await operate(b, team.sovereignKey);
      expect(recovery.crashed, recovery.log.join('\n')).toBeUndefined();
      expect(recovery.runId).toBe(started.run_id);
      expectUncrashedShape(await endState(b, started.run_id));
      process.stdout.write(`pg_terminate_backend inside leg A: the resume on host A ended ${outcome.code === 0 ? 'at exit 0' : `with exit ${String(outcome.code)}`} (${(JSON.parse(outcome.stdout || '{}') as { code?: string }).code ?? 'no JSON'}); host B: ${recovery.log.join(', ')}\n`);
    } finally {
      await blocker.end().catch(() => undefined);
      await watcher.end().catch(() => undefined);
      await db.drop();
    }
  }, SLOW);
});
