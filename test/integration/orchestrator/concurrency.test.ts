/**
 * Acceptance: two `orchestrate cut` processes started at once for one document — one proceeds to
 * SG1 (exit 10), the other stops with STOP_LOCKED or STOP_REPLAY_CONFLICT (exit 20) having created
 * no run; two `resume` processes of one run at once — one proceeds, the other gets STOP_LOCKED.
 * The surviving run completes with exactly one change set (DESIGN §5 layer 1, §8, §9). A fixture declaration (UDHR layout),
 * compiled CLI as child processes, PGlite and PostgreSQL. On PostgreSQL only (PGlite is one
 * process's database): a second "host" (a workspace with its own sidecars and KB) sharing the server
 * cannot start a second run of the document — the run registry refuses it (DESIGN §9). The team
 * acceptance (shared KB remote, runs moving between hosts) is test/integration/acceptance/teamHosts.test.ts.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, inject, test } from 'vitest';
import { liveDocument } from '../../../src/orchestrator/liveDocument.js';
import { listSidecars } from '../../../src/sidecar/listSidecars.js';
import { describeEachDatabase } from '../../support/engineUrls.js';
import { makeCutWorkspace, recordingProgress, type CutWorkspace } from '../../support/cutWorkspace.js';
import { createTestDatabase, type TestDatabase } from '../../support/realPg.js';
import { cut } from '../../../src/commands/cut.js';
import { StopError } from '../../../src/errors.js';
import { countRows, databaseOption, resumeToDone, runCli, sidecarOf, type CliResult } from '../../support/stopHelpers.js';

const LAW = 'readers';
// A whole governed cut per test: a hang guard only (the machine may be twice as loaded), as vitest.config.ts.
const SLOW = 900_000;

/** The `--json` output of a CLI run: a run outcome or an error report; both carry `code`. */
interface CliJson {
  code: string | null;
  run_id?: string | null;
  state?: string;
  message?: string;
}

function parsed(r: CliResult): CliJson {
  expect(r.signal, r.stderr).toBeNull();
  return JSON.parse(r.stdout) as CliJson;
}

/** Splits two concurrent results into the one that proceeded (exit `okExit`) and the one refused (exit 20). */
function winnerAndLoser(results: CliResult[], okExit: number): { winner: CliJson; loser: CliJson } {
  const codes = results.map((r) => r.code).sort();
  expect(codes, results.map((r) => r.stderr).join('\n---\n')).toEqual([okExit, 20].sort());
  const winner = parsed(results.find((r) => r.code === okExit)!);
  const loser = parsed(results.find((r) => r.code === 20)!);
  return { winner, loser };
}

async function runFolders(ws: CutWorkspace): Promise<string[]> {
  const entries = await readdir(path.join(ws.config.kbDir, 'knowledge', 'dev', 'laws', LAW), { withFileTypes: true });
  return entries.filter((e) => e.isDirectory()).map((e) => e.name);
}

describeEachDatabase('concurrent processes on one document', (engine) => {
  test('two cuts at once: one pauses at SG1, the other stops (exit 20) creating nothing; two resumes at once: one STOP_LOCKED; exactly 1 change set', async () => {
    const ws = await makeCutWorkspace({ laws: [LAW], ...databaseOption(engine.url()) });
    const cuts = await Promise.all([0, 1].map(() => runCli(ws, ['cut', '--document-id', LAW, '--json'])));
    const { winner, loser } = winnerAndLoser(cuts, 10);
    expect(winner).toMatchObject({ code: 'AWAITING_SG1', state: 'awaiting_sg1' });
    expect(['STOP_LOCKED', 'STOP_REPLAY_CONFLICT']).toContain(loser.code);
    const runId = winner.run_id;
    if (typeof runId !== 'string') throw new Error('winner has no run_id');
    if (loser.code === 'STOP_REPLAY_CONFLICT') expect(loser.message).toContain(runId);
    const { runs } = await listSidecars(ws.config.sidecarsDir);
    expect(runs.map((r) => r.run_id)).toEqual([runId]);
    expect(await runFolders(ws)).toHaveLength(1);

    await ws.approve(runId, 'SG1');
    const resumes = await Promise.all([0, 1].map(() => runCli(ws, ['resume', '--run-id', runId, '--json'])));
    const second = winnerAndLoser(resumes, 10);
    expect(second.winner).toMatchObject({ code: 'AWAITING_SG2', run_id: runId });
    expect(second.loser).toMatchObject({ code: 'STOP_LOCKED', run_id: runId });
    expect((await sidecarOf(ws, runId)).state).toBe('awaiting_sg2');

    const done = await resumeToDone(ws, runId);
    expect(done).toMatchObject({ code: null, exitCode: 0, state: 'done' });
    const planned = liveDocument(ws.config.kbDir, LAW).plan().length;
    const rows = await countRows(ws);
    expect(rows['cutter_governance.cut_change_set']).toBe(1);
    expect(rows['cutter_governance.manifest_envelope']).toBe(1);
    expect(rows['cutter_governance.verify_result']).toBe(1);
    expect(rows['cutter_governance.review_decision']).toBe(1);
    expect(rows['cutter.iu']).toBe(planned);
    expect(rows['cutter.iu[in_force]']).toBe(planned);
    expect(await runFolders(ws)).toHaveLength(1);
    expect((await listSidecars(ws.config.sidecarsDir)).runs).toHaveLength(1);
  }, SLOW);
}, { perTest: true });

describe.skipIf(!inject('realPgAvailable'))('two hosts sharing one PostgreSQL server [postgres]', () => {
  let testDb: TestDatabase | undefined;
  beforeEach(async () => {
    testDb = await createTestDatabase();
  });
  afterEach(async () => {
    await testDb?.drop();
    testDb = undefined;
  });

  test('the second host cannot start its own run of the document: the run registry refuses it STOP_REPLAY_CONFLICT naming the first host\'s run, creating nothing', async () => {
    const url = testDb?.url;
    if (url === undefined) throw new Error('no test database');
    const hosts = [await makeCutWorkspace({ laws: [LAW], databaseUrl: url }), await makeCutWorkspace({ laws: [LAW], databaseUrl: url })];
    const first = await cut({ config: hosts[0]!.config, documentId: LAW, progress: recordingProgress() });
    expect(first.code).toBe('AWAITING_SG1');
    const second = await cut({ config: hosts[1]!.config, documentId: LAW, progress: recordingProgress() }).then(() => null, (e: unknown) => e);
    expect(second).toBeInstanceOf(StopError);
    expect((second as StopError).code).toBe('STOP_REPLAY_CONFLICT');
    expect((second as StopError).message).toContain(first.run_id);
    expect((await listSidecars(hosts[1]!.config.sidecarsDir)).runs).toHaveLength(0);
    expect(await runFolders(hosts[1]!)).toEqual([]);
  }, SLOW);
});
