/**
 * Crash matrix on PGlite, the embedded default (issue 13): every failpoint a full governed cut
 * reaches kills the real CLI, and the run is recovered on the same workspace (an embedded database
 * belongs to one host) to an end state equal to an uncrashed run's.
 *
 * By default the points are dealt into chains (crashMatrix.ts `operateChain`): one run per chain,
 * killed at each of its points in turn and recovered after each kill, its end state checked once
 * at the end; a point a chain never passes is killed alone. `CRASH_MATRIX=isolated` kills every
 * point in a run of its own instead (the exhaustive form: ~20× slower).
 */
import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, test } from 'vitest';
import { tempGitRepos } from '../support/gitRepos.js';
import { makeTeam } from '../support/team.js';
import { dealChains, endState, killVoid, expectUncrashedShape, killAlone, killInChain, reachedFailpoints, tracedRun, type Verdicts } from './crashMatrix.js';
import { printMatrix } from './matrixReport.js';

// Whole governed cuts by child processes: a hang guard only (the machine may be twice as loaded).
const SLOW = 1_800_000;
const ISOLATED = process.env['CRASH_MATRIX'] === 'isolated';
/** Issue 13: a cut killed here left a sidecar no command could resume; each is also killed alone. */
const FIRST_STEP = ['source_pin/db.commit.before', 'source_pin/db.commit.after', 'source_pin/sidecar.write.after'];
/** Chains the points are dealt into: 2 run at a time (vitest.crash.config.ts). */
const CHAINS = 8;

const repos = await tempGitRepos('orchestrate-crash-');
const baselineTeam = await makeTeam(repos, undefined, 1);
const baseline = await tracedRun(baselineTeam.hosts[0]!, baselineTeam.sovereignKey);
const matrix = reachedFailpoints(baseline.reached);
const verdicts: Verdicts = new Map();

async function freshTeam(): Promise<{ hosts: Awaited<ReturnType<typeof makeTeam>>['hosts']; sovereignKey: string; dispose(): Promise<void> }> {
  const team = await makeTeam(repos, undefined, 1);
  return { ...team, dispose: async () => Promise.all(team.hosts.map((h) => rm(h.dir, { recursive: true, force: true }))).then(() => undefined) };
}

afterAll(async () => {
  printMatrix('pglite', matrix, verdicts, ISOLATED ? ' (each alone)' : ` (in ${Math.min(CHAINS, matrix.cases.length)} chains)`);
  await repos.cleanup();
});

describe.concurrent('crash matrix [pglite]', () => {
  test('the uncrashed baseline finishes with the end state every recovery must reach', async () => {
    expect(baseline.operation.crashed, baseline.operation.log.join('\n')).toBeUndefined();
    expectUncrashedShape(await endState(baselineTeam.hosts[0]!, baseline.operation.runId!));
    process.stdout.write(`baseline: ${baseline.operation.log.join(', ')}\n`);
  }, SLOW);

  test.runIf(!ISOLATED).each(FIRST_STEP)('killed alone at %s, in the first step (issue 13: never stranded)', async (failpoint) => {
    expect(matrix.cases).toContain(failpoint);
    const team = await freshTeam();
    const alone: Verdicts = new Map();
    await killAlone(team.hosts, team.sovereignKey, failpoint, alone);
    expect(alone.get(failpoint)).toMatch(/^recovered/);
    await team.dispose();
  }, SLOW);

  test('void (a run at SG2, with a change set): killed at each point it passes in turn and run again until it succeeds (on the same host): voided once, the document free again', async () => {
    await killVoid(freshTeam, verdicts);
  }, SLOW);

  if (ISOLATED) {
    test.each(matrix.cases)('killed at %s, recovered on the same host', async (failpoint) => {
      const team = await freshTeam();
      await killAlone(team.hosts, team.sovereignKey, failpoint, verdicts);
      await team.dispose();
    }, SLOW);
  } else {
    test.each(dealChains(matrix.cases, CHAINS).map((points, i) => [i, points] as const))('chain %i: killed at each of its points in turn, recovered each time on the same host', async (i, points) => {
      const team = await freshTeam();
      const chain = await killInChain(team.hosts, team.sovereignKey, points, verdicts, freshTeam, `chain ${i}`);
      process.stdout.write(`chain ${i}: ${chain.kills.length} kills, ${chain.unreached.length} killed alone; ${chain.log.filter((l) => !l.includes('killed at')).length} commands\n`);
      await team.dispose();
    }, SLOW);
  }
});
