/**
 * Acceptance: two `orchestrate cut` processes started at once for one document — one proceeds to
 * SG1 (exit 10), the other stops with STOP_LOCKED or STOP_REPLAY_CONFLICT (exit 20) having created
 * no run; two `resume` processes of one run at once — one proceeds, the other gets STOP_LOCKED.
 * The surviving run completes with exactly one change set (DESIGN §5 layer 1, §8, §9). A fixture declaration (UDHR layout),
 * compiled CLI as child processes, PGlite and PostgreSQL. On PostgreSQL only (PGlite is one
 * process's database): two "hosts" (workspaces with their own sidecars and KB) sharing one server
 * resume leg A at once — the DB guards let exactly one change set through (DESIGN §9).
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

  test('both hosts approved at SG1 resume at once: one writes leg A, the other stops with STOP_REPLAY_CONFLICT writing nothing', async () => {
    const url = testDb?.url;
    if (url === undefined) throw new Error('no test database');
    const hosts = [await makeCutWorkspace({ laws: [LAW], databaseUrl: url }), await makeCutWorkspace({ laws: [LAW], databaseUrl: url })];
    const runIds: string[] = [];
    for (const ws of hosts) {
      const o = await cut({ config: ws.config, documentId: LAW, progress: recordingProgress() });
      expect(o.code).toBe('AWAITING_SG1');
      await ws.approve(o.run_id, 'SG1');
      runIds.push(o.run_id);
    }
    expect(new Set(runIds).size).toBe(2);

    const results = await Promise.all(hosts.map((ws, i) => runCli(ws, ['resume', '--run-id', runIds[i]!, '--json'])));
    const { winner, loser } = winnerAndLoser(results, 10);
    expect(winner).toMatchObject({ code: 'AWAITING_SG2' });
    expect(loser).toMatchObject({ code: 'STOP_REPLAY_CONFLICT', state: 'stopped' });
    const winnerAt = runIds.indexOf(String(winner.run_id));
    expect(winnerAt).toBeGreaterThanOrEqual(0);
    const [winHost, loseHost] = winnerAt === 0 ? [hosts[0]!, hosts[1]!] : [hosts[1]!, hosts[0]!];
    const loserRun = await sidecarOf(loseHost, String(loser.run_id));
    expect(loserRun.stop?.code).toBe('STOP_REPLAY_CONFLICT');
    expect(loserRun.keys.cut_leg_a ?? null).toBeNull();
    expect(loserRun.pins.change_set_id ?? null).toBeNull();
    expect(loserRun.uploads.some((u) => u.name.startsWith('06-'))).toBe(false);

    const planned = liveDocument(winHost.config.kbDir, LAW).plan().length;
    const atSg2 = await countRows(winHost);
    expect(atSg2['cutter_governance.cut_change_set']).toBe(1);
    expect(atSg2['cutter.iu']).toBe(planned);

    const done = await resumeToDone(winHost, String(winner.run_id));
    expect(done).toMatchObject({ code: null, exitCode: 0, state: 'done' });
    const rows = await countRows(winHost);
    expect(rows['cutter_governance.cut_change_set']).toBe(1);
    expect(rows['cutter_governance.review_decision']).toBe(1);
    expect(rows['cutter.iu[in_force]']).toBe(planned);
  }, SLOW);
});
