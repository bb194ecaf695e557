/**
 * Acceptance: invalid approvals leave the run at its gate with STOP_APPROVAL_INVALID and the
 * reason recorded, nothing written; a later valid approval (`-2`) opens the gate; a signed deny
 * stops the run with STOP_SG_DENIED (DESIGN §6, §8). A fixture declaration (UDHR layout), PGlite and PostgreSQL.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, test } from 'vitest';
import { buildApprovalText, signApproval } from '../../../src/approval/approvalDocument.js';
import type { ApprovalRefusalReason } from '../../../src/approval/approvalRefusal.js';
import { openKb } from '../../../src/kb/openKb.js';
import { approvalDocumentName } from '../../../src/kb/runDocuments.js';
import { utcDateStamp } from '../../../src/kb/utcStamp.js';
import { cut } from '../../../src/commands/cut.js';
import { resume } from '../../../src/commands/resume.js';
import { describeEachDatabase } from '../../support/engineUrls.js';
import { makeCutWorkspace, recordingProgress, type CutWorkspace, type LawId } from '../../support/cutWorkspace.js';
import { makeSovereign } from '../../support/sovereignKeys.js';
import { commitKbFile, countRows, databaseOption, expectNothingWritten, expectStopReported, runCli, runEffects, sidecarOf } from '../../support/stopHelpers.js';

const LAW = 'readers';
// A whole governed cut per test: a hang guard only (the machine may be twice as loaded), as vitest.config.ts.
const SLOW = 900_000;

/** The run paused at SG1: what an approval must bind. */
interface PausedRun {
  runId: string;
  folder: string;
  requestSha: string;
}

async function pausedAtSg1(ws: CutWorkspace, lawId: LawId): Promise<PausedRun> {
  const o = await cut({ config: ws.config, documentId: lawId, progress: recordingProgress() });
  expect(o).toMatchObject({ code: 'AWAITING_SG1', exitCode: 10 });
  const request = (await sidecarOf(ws, o.run_id)).uploads.find((u) => u.name.startsWith('SG1-cut-authz-request-'));
  if (request === undefined) throw new Error('SG1 request not recorded');
  return { runId: o.run_id, folder: o.kb_folder, requestSha: request.sha256 };
}

/** One kind of invalid approval: extra laws the workspace needs, the file's bytes, the refusal code. */
interface InvalidCase {
  title: string;
  /** Run on both engines (one refusal path does); the other kinds differ only in the file's bytes. */
  everyEngine?: boolean;
  laws: LawId[];
  reason: ApprovalRefusalReason;
  make(ws: CutWorkspace, run: PausedRun): Promise<string>;
}

const CASES: InvalidCase[] = [
  {
    title: 'unsigned (plain markdown with the right fields and name)',
    everyEngine: true,
    laws: [LAW],
    reason: 'unsigned',
    make: async (_ws, run) => buildApprovalText({ gate: 'SG1', run_id: run.runId, request_sha256: run.requestSha, decision: 'approve', reason: 'looks fine' }),
  },
  {
    title: 'signed by a key NOT in the trusted keyring',
    laws: [LAW],
    reason: 'untrusted_key',
    make: async (_ws, run) => {
      const rogue = await makeSovereign({ name: 'Rogue Signer' });
      return signApproval({ gate: 'SG1', run_id: run.runId, request_sha256: run.requestSha, decision: 'approve', reason: 'approved' }, rogue.privateKeyArmored);
    },
  },
  {
    title: "signed by the trusted key for another run's run_id (a copied approval)",
    laws: [LAW, 'sample-ora'],
    reason: 'wrong_run',
    make: async (ws) => {
      const other = await pausedAtSg1(ws, 'sample-ora');
      const approvalPath = await ws.approve(other.runId, 'SG1');
      return readFile(path.join(ws.config.kbDir, approvalPath), 'utf8');
    },
  },
];

describeEachDatabase('sovereign approvals at SG1', (engine) => {
  for (const c of CASES) {
    test.runIf(c.everyEngine === true || engine.single)(`${c.title} → STOP_APPROVAL_INVALID (${c.reason}), nothing written; a valid -2 approval then opens SG1`, async () => {
      const ws = await makeCutWorkspace({ laws: c.laws, ...databaseOption(engine.url()) });
      const run = await pausedAtSg1(ws, LAW);
      const name = approvalDocumentName('SG1', utcDateStamp(new Date()));
      const bytes = await c.make(ws, run);
      await commitKbFile(ws, `${run.folder}/${name}`, bytes, `someone drops ${name}`);
      const before = await runEffects(ws, run.runId);

      const refused = await resume({ config: ws.config, runId: run.runId, progress: recordingProgress() });
      expect(refused).toMatchObject({ code: 'STOP_APPROVAL_INVALID', exitCode: 20, state: 'awaiting_sg1' });
      expect(refused.message).toContain(`${name} (${c.reason})`);
      const sidecar = await sidecarOf(ws, run.runId);
      expect(sidecar.stop?.code).toBe('STOP_APPROVAL_INVALID');
      expect(sidecar.approvals.SG1.accepted).toBeNull();
      expect(sidecar.approvals.SG1.refused.map((r) => ({ name: r.name, reason: r.reason }))).toEqual([{ name, reason: c.reason }]);
      expectNothingWritten(before, await runEffects(ws, run.runId));
      expect((await countRows(ws))['cutter_governance.cut_change_set']).toBe(0);
      const reported = await runCli(ws, ['resume', '--run-id', run.runId]);
      await expectStopReported(reported, 'STOP_APPROVAL_INVALID', run.runId);
      expect(reported.stdout).toContain(`${name} (${c.reason})`);
      // status shows each refused file with its full reason (issue 9), and keeps the run in the waiting list.
      const shown = await runCli(ws, ['status', '--run-id', run.runId, '--json']);
      const detail = JSON.parse(shown.stdout) as { approvals: { SG1: { refused: { name: string; reason: string; message: string }[] } } };
      expect(detail.approvals.SG1.refused).toEqual([expect.objectContaining({ name, reason: c.reason, message: expect.any(String) })]);
      expect((await runCli(ws, ['status', '--run-id', run.runId])).stdout).toContain(`SG1 ${name}: refused (${c.reason})`);
      const waiting = JSON.parse((await runCli(ws, ['status', '--waiting', '--json'])).stdout) as { runs: { run_id: string }[] };
      expect(waiting.runs.map((r) => r.run_id)).toContain(run.runId);
      expectNothingWritten(before, await runEffects(ws, run.runId));

      const validPath = await ws.approve(run.runId, 'SG1');
      expect(validPath).toBe(`${run.folder}/${approvalDocumentName('SG1', utcDateStamp(new Date()), 2)}`);
      const progress = recordingProgress();
      const past = await resume({ config: ws.config, runId: run.runId, progress });
      expect(past).toMatchObject({ code: 'AWAITING_SG2', exitCode: 10 });
      expect(progress.lines.slice(0, 2)).toEqual(['SG1 decide done', 'cut_leg_a done']);
      const after = await sidecarOf(ws, run.runId);
      expect(after.approvals.SG1.accepted?.name).toBe(path.posix.basename(validPath));
      expect(after.approvals.SG1.refused.map((r) => r.name)).toEqual([name]);
      // DESIGN §6: the refused file is listed in the next report (06 cut leg A).
      const leg06 = after.uploads.find((u) => u.name.startsWith('06-cut-leg-a-'));
      if (leg06 === undefined) throw new Error('06 report not uploaded');
      const report = new TextDecoder().decode(await (await openKb({ dir: ws.config.kbDir })).read(leg06.path));
      expect(report).toContain(`SG1 approval ${name} refused: ${c.reason}`);
      expect((await countRows(ws))['cutter_governance.cut_change_set']).toBe(1);
    }, SLOW);
  }

  // The gate reads the commit, not the work tree: engine-independent, so once (PGlite).
  test.runIf(engine.engine === 'pglite')('only committed approvals count: a valid file left uncommitted is refused not_committed, gpg\'s .md.asc misnamed; committed, it opens SG1', async () => {
    const ws = await makeCutWorkspace({ laws: [LAW], ...databaseOption(engine.url()) });
    const run = await pausedAtSg1(ws, LAW);
    const name = approvalDocumentName('SG1', utcDateStamp(new Date()));
    const signed = await signApproval({ gate: 'SG1', run_id: run.runId, request_sha256: run.requestSha, decision: 'approve', reason: 'checked the request' }, await readFile(ws.sovereignKey, 'utf8'));
    await writeFile(path.join(ws.config.kbDir, run.folder, name), signed);
    await commitKbFile(ws, `${run.folder}/${name}.asc`, signed, 'sovereign commits gpg\'s default output name');
    const before = await runEffects(ws, run.runId);

    const refused = await resume({ config: ws.config, runId: run.runId, progress: recordingProgress() });
    expect(refused).toMatchObject({ code: 'STOP_APPROVAL_INVALID', exitCode: 20, state: 'awaiting_sg1' });
    const sidecar = await sidecarOf(ws, run.runId);
    expect(sidecar.approvals.SG1.accepted).toBeNull();
    expect(sidecar.approvals.SG1.refused.map((r) => [r.name, r.reason])).toEqual([
      [name, 'not_committed'],
      [`${name}.asc`, 'misnamed'],
    ]);
    const [uncommitted, misnamed] = sidecar.approvals.SG1.refused;
    expect(uncommitted?.message).toContain('commit and push it');
    expect(misnamed?.message).toContain('SG1-cut-authz-approval-<yyyymmdd>[-<n>].md');
    expect(misnamed?.message).toContain('--output SG1-cut-authz-approval-<yyyymmdd>.md');
    expectNothingWritten(before, await runEffects(ws, run.runId));
    const shown = JSON.parse((await runCli(ws, ['status', '--run-id', run.runId, '--json'])).stdout) as { approvals: { SG1: { refused: { reason: string; message: string }[] } } };
    expect(shown.approvals.SG1.refused.map((r) => r.reason)).toEqual(['not_committed', 'misnamed']);

    // The work-tree copy is later altered: the committed bytes are what is verified.
    await commitKbFile(ws, `${run.folder}/${name}`, signed, 'sovereign commits the approval');
    await writeFile(path.join(ws.config.kbDir, run.folder, name), signed.replace('checked the request', 'edited after the commit'));
    const past = await resume({ config: ws.config, runId: run.runId, progress: recordingProgress() });
    expect(past).toMatchObject({ code: 'AWAITING_SG2', exitCode: 10 });
    const after = await sidecarOf(ws, run.runId);
    expect(after.approvals.SG1.accepted?.name).toBe(name);
    expect(after.approvals.SG1.refused.map((r) => r.reason)).toEqual(['misnamed']);
    // verify checks the committed approval (the altered work-tree copy is not evidence) and accepts
    // the refused file on record in the folder.
    await ws.approve(run.runId, 'SG2');
    expect(await resume({ config: ws.config, runId: run.runId, progress: recordingProgress() })).toMatchObject({ code: null, exitCode: 0 });
    const verified = await runCli(ws, ['verify', '--run-id', run.runId]);
    expect(verified.stdout).not.toContain('FAIL');
    expect(verified.code).toBe(0);
  }, SLOW);

  test('a signed deny → STOP_SG_DENIED (exit 20 from the CLI), no change set, and it stays denied', async () => {
    const ws = await makeCutWorkspace({ laws: [LAW], ...databaseOption(engine.url()) });
    const run = await pausedAtSg1(ws, LAW);
    await ws.approve(run.runId, 'SG1', { deny: true, reason: 'the source is not the official text' });
    const before = await runEffects(ws, run.runId);

    const denied = await runCli(ws, ['resume', '--run-id', run.runId, '--json']);
    expect(denied.signal).toBeNull();
    expect(denied.code).toBe(20);
    expect(JSON.parse(denied.stdout)).toMatchObject({ code: 'STOP_SG_DENIED', state: 'stopped', run_id: run.runId });
    const sidecar = await sidecarOf(ws, run.runId);
    expect(sidecar.stop?.code).toBe('STOP_SG_DENIED');
    expect(sidecar.approvals.SG1.accepted).toMatchObject({ decision: 'deny', signer_fingerprint: ws.fingerprint.toLowerCase() });
    expectNothingWritten(before, await runEffects(ws, run.runId));
    expect((await countRows(ws))['cutter_governance.cut_change_set']).toBe(0);

    const again = await resume({ config: ws.config, runId: run.runId, progress: recordingProgress() });
    expect(again.code).toBe('STOP_SG_DENIED');
    expect((await countRows(ws))['cutter.iu']).toBe(0);
  }, SLOW);
}, { perTest: true });
