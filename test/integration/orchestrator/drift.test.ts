/**
 * Acceptance: drift between phases stops the run with STOP_DRIFT and nothing further is written
 * (DESIGN §4 internal gate, §8). Three kinds of drift on a fixture declaration (UDHR layout), each on PGlite and PostgreSQL:
 * the source file edited in the KB, an IU row altered in the DB by a superuser, an uploaded run
 * document rewritten in the KB. Restoring what changed lets the run complete.
 */
import { readFile } from 'node:fs/promises';
import { expect, test } from 'vitest';
import { liveDocument } from '../../../src/orchestrator/liveDocument.js';
import { cut } from '../../../src/commands/cut.js';
import { resume } from '../../../src/commands/resume.js';
import { verifyRun } from '../../../src/verify/verifyRun.js';
import { describeEachDatabase } from '../../support/engineUrls.js';
import { makeCutWorkspace, recordingProgress } from '../../support/cutWorkspace.js';
import {
  commitKbFile, countRows, databaseOption, expectNothingWritten, expectStopReported, kbRelative, runCli, runEffects, setIuText, sidecarOf,
} from '../../support/stopHelpers.js';

const LAW = 'readers';
// A whole governed cut per test: a hang guard only (the machine may be twice as loaded), as vitest.config.ts.
const SLOW = 900_000;

describeEachDatabase('STOP_DRIFT between phases', (engine) => {
  const workspace = () => makeCutWorkspace({ laws: [LAW], ...databaseOption(engine.url()) });

  test('source edited and committed while paused at SG1 → STOP_DRIFT before cut_leg_a, 0 IUs; restored → the run completes', async () => {
    const ws = await workspace();
    const first = await cut({ config: ws.config, documentId: LAW, progress: recordingProgress() });
    expect(first.code).toBe('AWAITING_SG1');
    const runId = first.run_id;
    const sourcePath = liveDocument(ws.config.kbDir, LAW).doc.sourcePath;
    const rel = kbRelative(ws, sourcePath);
    const original = await readFile(sourcePath);
    const edited = Buffer.from(original.toString('utf8').replace('the right to read', 'the right to read and amended'), 'utf8');
    expect(edited.equals(original)).toBe(false);
    await commitKbFile(ws, rel, edited, 'someone edits the source');
    // The sovereign approves the request (it is unchanged): only the internal gate can stop the run.
    await ws.approve(runId, 'SG1');
    const before = await runEffects(ws, runId);

    const progress = recordingProgress();
    const stopped = await resume({ config: ws.config, runId, progress });
    expect(stopped).toMatchObject({ code: 'STOP_DRIFT', exitCode: 20, state: 'stopped' });
    expect(stopped.message).toMatch(/source/);
    expect(progress.lines).not.toContain('cut_leg_a done');
    const sidecar = await sidecarOf(ws, runId);
    expect(sidecar.stop?.code).toBe('STOP_DRIFT');
    expect(sidecar.stop?.detail).toMatch(/^SG1: drift before SG1: source bytes/);
    expect(sidecar.keys.cut_leg_a ?? null).toBeNull();
    expect(sidecar.pins.change_set_id ?? null).toBeNull();
    const after = await runEffects(ws, runId);
    expectNothingWritten(before, after);
    expect(after.db['cutter.iu']).toBe(0);
    expect(after.db['cutter_governance.cut_change_set']).toBe(0);

    // A second resume while the drift persists stops again, still writing nothing.
    const again = await resume({ config: ws.config, runId, progress: recordingProgress() });
    expect(again.code).toBe('STOP_DRIFT');
    expectNothingWritten(before, await runEffects(ws, runId));

    await commitKbFile(ws, rel, original, 'restore the source');
    const sg2 = await resume({ config: ws.config, runId, progress: recordingProgress() });
    expect(sg2).toMatchObject({ code: 'AWAITING_SG2', exitCode: 10 });
    await ws.approve(runId, 'SG2');
    const done = await resume({ config: ws.config, runId, progress: recordingProgress() });
    expect(done).toMatchObject({ code: null, exitCode: 0, state: 'done' });
    const planned = liveDocument(ws.config.kbDir, LAW).plan().length;
    const rows = await countRows(ws);
    expect(rows['cutter.iu']).toBe(planned);
    expect(rows['cutter.iu[in_force]']).toBe(planned);
    expect(rows['cutter_governance.cut_change_set']).toBe(1);
    const audit = await verifyRun({ config: ws.config, runId });
    expect(audit.checks.filter((c) => !c.ok)).toEqual([]);
  }, SLOW);

  test('an IU row altered by a superuser while paused at SG2 → STOP_DRIFT, no review_decision; restored → the run completes', async () => {
    const ws = await workspace();
    const first = await cut({ config: ws.config, documentId: LAW, progress: recordingProgress() });
    await ws.approve(first.run_id, 'SG1');
    const runId = first.run_id;
    const atSg2 = await resume({ config: ws.config, runId, progress: recordingProgress() });
    expect(atSg2.code).toBe('AWAITING_SG2');
    const changeSetId = atSg2.pins.change_set_id;
    if (changeSetId === undefined || changeSetId === null) throw new Error('no change set pinned at SG2');
    const tampered = await setIuText(ws, changeSetId, (t) => `${t} (tampered)`);
    await ws.approve(runId, 'SG2');
    const before = await runEffects(ws, runId);
    expect(before.db['cutter_governance.review_decision']).toBe(0);

    const stopped = await resume({ config: ws.config, runId, progress: recordingProgress() });
    expect(stopped).toMatchObject({ code: 'STOP_DRIFT', exitCode: 20, state: 'stopped' });
    expect(stopped.message).toContain(tampered.address);
    const sidecar = await sidecarOf(ws, runId);
    expect(sidecar.stop?.code).toBe('STOP_DRIFT');
    expect(sidecar.stop?.detail).toMatch(/^SG2: /);
    expect(sidecar.keys.lifecycle_enact ?? null).toBeNull();
    const after = await runEffects(ws, runId);
    expectNothingWritten(before, after);
    expect(after.db['cutter_governance.review_decision']).toBe(0);
    expect(after.db['cutter.iu[in_force]'] ?? 0).toBe(0);

    await setIuText(ws, changeSetId, () => tampered.original, tampered.address);
    const done = await resume({ config: ws.config, runId, progress: recordingProgress() });
    expect(done).toMatchObject({ code: null, exitCode: 0, state: 'done' });
    const rows = await countRows(ws);
    expect(rows['cutter_governance.review_decision']).toBe(1);
  }, SLOW);

  // A rewritten KB document stops at the gate's KB check, before any DB step: one engine suffices.
  test.runIf(engine.single)('an uploaded run document (03 cutplan) rewritten and committed while paused at SG1 → STOP_DRIFT, no change set', async () => {
    const ws = await workspace();
    const first = await cut({ config: ws.config, documentId: LAW, progress: recordingProgress() });
    expect(first.code).toBe('AWAITING_SG1');
    const runId = first.run_id;
    await ws.approve(runId, 'SG1');
    const ctx = await sidecarOf(ws, runId);
    const plan = ctx.uploads.find((u) => u.name.startsWith('03-cutplan-'));
    if (plan === undefined) throw new Error('no 03-cutplan upload recorded');
    const bytes = await readFile(`${ws.config.kbDir}/${plan.path}`, 'utf8');
    await commitKbFile(ws, plan.path, bytes.replace('## 2.', '## 2. (edited by hand)\n\n##'), 'someone edits the cut plan report');
    const before = await runEffects(ws, runId);

    const stopped = await resume({ config: ws.config, runId, progress: recordingProgress() });
    expect(stopped).toMatchObject({ code: 'STOP_DRIFT', exitCode: 20, state: 'stopped' });
    expect(stopped.message).toContain(plan.path);
    const after = await runEffects(ws, runId);
    expectNothingWritten(before, after);
    expect(after.db['cutter_governance.cut_change_set']).toBe(0);
    expect(after.db['cutter.iu']).toBe(0);
    expect((await sidecarOf(ws, runId)).stop?.code).toBe('STOP_DRIFT');

    // The operator's view: the CLI names the stop, the run, what was written and the runbook.
    await expectStopReported(await runCli(ws, ['resume', '--run-id', runId]), 'STOP_DRIFT', runId);
    expectNothingWritten(before, await runEffects(ws, runId));
  }, SLOW);
}, { perTest: true });
