/**
 * Acceptance: a KB remote that refuses 4 pushes in a row stops the run with STOP_KB_UPLOAD (exit
 * 20) and the phase does not advance (DESIGN §3: 3 retries, then stop; §4: the machine advances
 * only after the upload succeeded). Once the remote accepts pushes again, resume completes the run
 * and every run document is on the remote at exactly one revision. A fixture declaration (UDHR layout), PGlite and PostgreSQL.
 */
import { afterEach, beforeEach, expect, test } from 'vitest';
import { openKb } from '../../../src/kb/openKb.js';
import { RUNS_INDEX_PATH, parseRunsIndex } from '../../../src/kb/runsIndex.js';
import { liveDocument } from '../../../src/orchestrator/liveDocument.js';
import { cut } from '../../../src/commands/cut.js';
import { resume } from '../../../src/commands/resume.js';
import { listSidecars } from '../../../src/sidecar/listSidecars.js';
import { describeEachDatabase } from '../../support/engineUrls.js';
import { makeCutWorkspace, recordingProgress, type CutWorkspace } from '../../support/cutWorkspace.js';
import { failNextPushes, remoteFile, remoteLog, tempGitRepos, testGit, type TempGitRepos } from '../../support/gitRepos.js';
import { completedSteps, countRows, databaseOption, expectNothingWritten, resumeToDone, runCli, runEffects, sidecarOf } from '../../support/stopHelpers.js';

const LAW = 'readers';
// A whole governed cut per test: a hang guard only (the machine may be twice as loaded), as vitest.config.ts.
const SLOW = 900_000;

/** Adds a bare remote as `origin` of the workspace KB and pushes main to it. */
async function withRemote(ws: CutWorkspace, repos: TempGitRepos): Promise<string> {
  const bare = await repos.bareRemote();
  const git = testGit(ws.config.kbDir);
  await git.raw(['remote', 'add', 'origin', bare]);
  await git.raw(['push', 'origin', 'main']);
  return bare;
}

/** Every file of the run folder is on the remote, added by exactly one commit; local and remote agree. */
async function expectAllOnRemoteOnce(ws: CutWorkspace, bare: string, folder: string, runId: string): Promise<void> {
  const kb = await openKb({ dir: ws.config.kbDir });
  const files = await kb.list(folder);
  expect(files.length).toBe(15);
  for (const f of files) {
    expect(await remoteLog(bare, `${folder}/${f}`), f).toHaveLength(1);
    expect(await kb.revisions(`${folder}/${f}`), f).toBe(1);
  }
  const index = parseRunsIndex((await remoteFile(bare, RUNS_INDEX_PATH)) ?? '');
  expect(index.issues).toEqual([]);
  expect(index.entries.map((e) => e.runId)).toEqual([runId]);
  expect((await remoteLog(bare))[0]).toBe(await kb.headCommit());
}

describeEachDatabase('STOP_KB_UPLOAD when the KB remote fails 4 times', (engine) => {
  let repos: TempGitRepos;
  beforeEach(async () => {
    repos = await tempGitRepos('kb-failure-');
  });
  afterEach(async () => {
    await repos.cleanup();
  });

  test('first upload (01 source pin) refused 4 times: cut exits 20, no key persisted; remote back → resume completes', async () => {
    const ws = await makeCutWorkspace({ laws: [LAW], ...databaseOption(engine.url()) });
    const bare = await withRemote(ws, repos);
    const pushes = await failNextPushes(ws.config.kbDir, 4);

    const failed = await runCli(ws, ['cut', '--document-id', LAW, '--json']);
    expect(failed.signal).toBeNull();
    expect(failed.code).toBe(20);
    const out = JSON.parse(failed.stdout) as { code: string; run_id: string; state: string; kb_folder: string };
    expect(out).toMatchObject({ code: 'STOP_KB_UPLOAD', state: 'stopped' });
    expect(await pushes()).toBe(4);
    const runId = out.run_id;
    const sidecar = await sidecarOf(ws, runId);
    expect(sidecar.stop?.code).toBe('STOP_KB_UPLOAD');
    expect(sidecar.stop?.detail).toMatch(/^source_pin: uploading .*01-source-pin-\d{8}\.md failed after 4 attempts/);
    expect(Object.values(sidecar.keys).filter((k) => k !== null && k !== undefined)).toEqual([]);
    expect(sidecar.uploads).toEqual([]);
    expect(completedSteps(sidecar)).toEqual([]);
    expect(await remoteLog(bare, out.kb_folder)).toEqual([]);

    // The hook now lets pushes through: the remote is back.
    const done = await resumeToDone(ws, runId);
    expect(done).toMatchObject({ code: null, exitCode: 0, state: 'done' });
    expect(await pushes()).toBeGreaterThan(4);
    await expectAllOnRemoteOnce(ws, bare, out.kb_folder, runId);
    expect((await listSidecars(ws.config.sidecarsDir)).runs).toHaveLength(1);
  }, SLOW);

  // KB-only paths (no database write is at stake) run on one engine; the two stops around a DB write on both.
  test.runIf(engine.single)('3 refused pushes are within the retries (4 attempts): the cut reaches SG1 with every document pushed once', async () => {
    const ws = await makeCutWorkspace({ laws: [LAW], ...databaseOption(engine.url()) });
    const bare = await withRemote(ws, repos);
    const pushes = await failNextPushes(ws.config.kbDir, 3);
    const first = await cut({ config: ws.config, documentId: LAW, progress: recordingProgress() });
    expect(first).toMatchObject({ code: 'AWAITING_SG1', exitCode: 10 });
    // 01 took 4 attempts, then one push per later document (02–05, SG1 request).
    expect(await pushes()).toBe(4 + 5);
    const ctx = await sidecarOf(ws, first.run_id);
    expect(ctx.uploads).toHaveLength(6);
    for (const u of ctx.uploads) expect(await remoteLog(bare, u.path), u.path).toHaveLength(1);
  }, SLOW);

  test('cut leg A report (06) refused 4 times after the DB commit: STOP_KB_UPLOAD, key not persisted; resume adopts the change set, exactly 1', async () => {
    const ws = await makeCutWorkspace({ laws: [LAW], ...databaseOption(engine.url()) });
    const bare = await withRemote(ws, repos);
    const first = await cut({ config: ws.config, documentId: LAW, progress: recordingProgress() });
    expect(first.code).toBe('AWAITING_SG1');
    const runId = first.run_id;
    await ws.approve(runId, 'SG1');
    const before = await sidecarOf(ws, runId);
    const pushes = await failNextPushes(ws.config.kbDir, 4);

    const progress = recordingProgress();
    const failed = await resume({ config: ws.config, runId, progress });
    expect(failed).toMatchObject({ code: 'STOP_KB_UPLOAD', exitCode: 20, state: 'stopped' });
    expect(progress.lines).toEqual(['SG1 decide done', 'cut_leg_a STOP_KB_UPLOAD']);
    expect(await pushes()).toBe(4);
    const sidecar = await sidecarOf(ws, runId);
    expect(sidecar.stop?.code).toBe('STOP_KB_UPLOAD');
    expect(sidecar.keys.cut_leg_a ?? null).toBeNull();
    expect(sidecar.pins.change_set_id ?? null).toBeNull();
    expect(completedSteps(sidecar)).toEqual([...completedSteps(before), 'SG1']);
    expect(sidecar.uploads.map((u) => u.path)).toEqual(before.uploads.map((u) => u.path));
    const leg06 = (await openKb({ dir: ws.config.kbDir }).then((kb) => kb.list(first.kb_folder))).filter((f) => f.startsWith('06-'));
    // Committed locally by the failed attempts (upload = commit, then push), never pushed.
    expect(leg06).toHaveLength(1);
    for (const f of leg06) expect(await remoteFile(bare, `${first.kb_folder}/${f}`), f).toBeUndefined();
    // Leg A's transaction committed before the upload failed: the row is there, unpinned.
    expect((await countRows(ws))['cutter_governance.cut_change_set']).toBe(1);

    const done = await resumeToDone(ws, runId);
    expect(done).toMatchObject({ code: null, exitCode: 0, state: 'done' });
    const planned = liveDocument(ws.config.kbDir, LAW).plan().length;
    const rows = await countRows(ws);
    expect(rows['cutter_governance.cut_change_set']).toBe(1);
    expect(rows['cutter.iu']).toBe(planned);
    expect(rows['cutter.iu[in_force]']).toBe(planned);
    await expectAllOnRemoteOnce(ws, bare, first.kb_folder, runId);
  }, SLOW);

  test.runIf(engine.single)('origin pointing at a missing path while approved at SG1: resume stops with STOP_KB_UPLOAD (exit 20), nothing written; origin restored → completes', async () => {
    const ws = await makeCutWorkspace({ laws: [LAW], ...databaseOption(engine.url()) });
    const bare = await withRemote(ws, repos);
    const first = await cut({ config: ws.config, documentId: LAW, progress: recordingProgress() });
    expect(first.code).toBe('AWAITING_SG1');
    const runId = first.run_id;
    await ws.approve(runId, 'SG1');
    const git = testGit(ws.config.kbDir);
    await git.raw(['remote', 'set-url', 'origin', `${bare}-missing`]);
    const before = await runEffects(ws, runId);

    const failed = await runCli(ws, ['resume', '--run-id', runId, '--json']);
    expect(failed.signal).toBeNull();
    // Soft: the codes are the contract under test; the rest of the run is still checked when they differ.
    expect.soft(JSON.parse(failed.stdout)).toMatchObject({ code: 'STOP_KB_UPLOAD' });
    expect.soft(failed.code).toBe(20);
    expect.soft((await sidecarOf(ws, runId)).stop?.code).toBe('STOP_KB_UPLOAD');
    expectNothingWritten(before, await runEffects(ws, runId));

    await git.raw(['remote', 'set-url', 'origin', bare]);
    const done = await resumeToDone(ws, runId);
    expect(done).toMatchObject({ code: null, exitCode: 0, state: 'done' });
    expect((await countRows(ws))['cutter_governance.cut_change_set']).toBe(1);
    await expectAllOnRemoteOnce(ws, bare, first.kb_folder, runId);
  }, SLOW);
}, { perTest: true });
