/**
 * Crash matrix on PGlite, the embedded default (issue 13): every failpoint a full governed cut
 * reaches kills the real CLI once, and the run is recovered on the same workspace (an embedded
 * database belongs to one host) to an end state equal to an uncrashed run's.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { tempGitRepos } from '../support/gitRepos.js';
import { makeTeam } from '../support/team.js';
import { endState, expectUncrashedShape, operate, reachedFailpoints, tracedRun } from './crashMatrix.js';
import { printMatrix, type Verdicts } from './matrixReport.js';

// Whole governed cuts by child processes: a hang guard only (the machine may be twice as loaded).
const SLOW = 1_200_000;

const repos = await tempGitRepos('orchestrate-crash-');
const baselineTeam = await makeTeam(repos, undefined, 1);
const baseline = await tracedRun(baselineTeam.hosts[0]!, baselineTeam.sovereignKey);
const matrix = reachedFailpoints(baseline.reached);
const verdicts: Verdicts = new Map();

afterAll(async () => {
  printMatrix('pglite', matrix, verdicts);
  await repos.cleanup();
});

describe.concurrent('crash matrix [pglite]', () => {
  test('the uncrashed baseline finishes with the end state every recovery must reach', async () => {
    expect(baseline.operation.crashed, baseline.operation.log.join('\n')).toBeUndefined();
    expectUncrashedShape(await endState(baselineTeam.hosts[0]!, baseline.operation.runId!));
    process.stdout.write(`baseline: ${baseline.operation.log.join(', ')}\n`);
  }, SLOW);

  test.each(matrix.cases)('killed at %s, recovered on the same host', async (failpoint) => {
    verdicts.set(failpoint, 'reached');
    const team = await makeTeam(repos, undefined, 1);
    const host = team.hosts[0]!;
    const crash = await operate(host, team.sovereignKey, { ORCHESTRATE_FAILPOINT: failpoint });
    expect(crash.crashed, `not killed:\n${crash.log.join('\n')}`).toBeDefined();
    const recovery = await operate(host, team.sovereignKey);
    expect(recovery.crashed, recovery.log.join('\n')).toBeUndefined();
    expectUncrashedShape(await endState(host, recovery.runId!));
    verdicts.set(failpoint, `recovered (killed in ${crash.crashed}; ${recovery.log.join(', ')})`);
  }, SLOW);
});
