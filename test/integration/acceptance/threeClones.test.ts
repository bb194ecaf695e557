/**
 * Issue 9 acceptance: a bare KB remote and three clones on "different machines" — the operator's
 * workspace, a sovereign's clone, an auditor's clone — with no shared sidecar. The sovereign
 * approves SG1 from the clone with `approve --run-folder` and SG2 by hand with real
 * `gpg --clearsign`; the operator resumes to done; the auditor's `verify` (KB and keyring only)
 * passes; then tamperings done in the auditor's clone and pushed make it fail naming the check.
 */
import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildApprovalText } from '../../../src/approval/approvalDocument.js';
import { approve } from '../../../src/commands/approve.js';
import { cut } from '../../../src/commands/cut.js';
import { resume } from '../../../src/commands/resume.js';
import { runs } from '../../../src/commands/runs.js';
import { status } from '../../../src/commands/status.js';
import { verify } from '../../../src/commands/verify.js';
import type { KbStore } from '../../../src/kb/KbStore.js';
import { approvalDocumentName } from '../../../src/kb/runDocuments.js';
import { RUNS_INDEX_PATH } from '../../../src/kb/runsIndex.js';
import { utcDateStamp } from '../../../src/kb/utcStamp.js';
import { makeCutWorkspace, recordingProgress, type CutWorkspace } from '../../support/cutWorkspace.js';
import { hermeticGitEnv, tempGitRepos, testGit, type TempGitRepos } from '../../support/gitRepos.js';
import { makeGnupgHome, type GnupgHome } from '../../support/sovereignKeys.js';
import { sidecarOf } from '../../support/stopHelpers.js';

// Whole governed cuts: a hang guard only (the machine may be twice as loaded).
const SLOW = 900_000;

let repos: TempGitRepos;
let remote: string;
let ws: CutWorkspace;
let gnupg: GnupgHome;

beforeAll(async () => {
  repos = await tempGitRepos('three-clones-');
  remote = await repos.bareRemote();
  ws = await makeCutWorkspace({ laws: ['readers'] });
  const git = testGit(ws.config.kbDir, ws.config.workspace);
  await git.raw(['remote', 'add', 'origin', remote]);
  await git.raw(['push', '--set-upstream', 'origin', 'HEAD:main']);
  gnupg = await makeGnupgHome();
  gnupg.importKey(await readFile(ws.sovereignKey, 'utf8'));
}, SLOW);
afterAll(async () => {
  await gnupg?.cleanup();
  await repos?.cleanup();
});

/** An auditor's configuration: a KB clone and the keyring, nothing of the operator's. */
function auditorConfig(clone: KbStore) {
  const none = path.join(repos.root, 'auditor-has-none');
  return { ...ws.config, kbDir: clone.dir, sidecarsDir: none, pgliteDir: none, databaseUrl: undefined };
}

async function push(clone: KbStore, message: string): Promise<void> {
  const git = testGit(clone.dir, repos.root);
  await git.raw(['add', '-A']);
  await git.commit(message);
  await git.raw(['push', 'origin', 'HEAD:main']);
}

describe('operator, sovereign and auditor on three clones of one KB remote', () => {
  test('SG1 approved from a clone, SG2 signed by hand with gpg, resumed to done, verified by the auditor from the KB alone; pushed tamperings fail', async () => {
    const started = await cut({ config: ws.config, documentId: 'readers', progress: recordingProgress() });
    expect(started).toMatchObject({ code: 'AWAITING_SG1', exitCode: 10 });
    const runId = started.run_id;
    const folder = started.kb_folder;

    // The sovereign: a clone of the remote, no sidecar, no database.
    const sovereign = await repos.kb('sovereign', { remote });
    await sovereign.sync();
    const sovereignConfig = { ...auditorConfig(sovereign) };
    // The clone shows the waiting run from its committed folder (it is not in the runs-index yet).
    const listed = await runs({ config: sovereignConfig, kb: sovereign });
    expect(listed.json.not_closed_out).toEqual([expect.objectContaining({ run_id: runId, state: 'awaiting_sg1', kb_folder: folder, last_step: 'SG1' })]);
    expect(listed.text).toContain('not closed out');
    const shown = await status({ config: sovereignConfig, runId });
    expect(shown.json).toMatchObject({ run_id: runId, state: 'awaiting_sg1', source: 'kb', kb_folder: folder });
    expect(shown.text).toContain(`approve --run-folder ${folder} --gate SG1`);
    const sg1 = await approve({ config: sovereignConfig, cwd: repos.root, runFolder: folder, gate: 'SG1', keyFile: ws.sovereignKey, kb: sovereign, confirm: async () => true });
    expect(sg1.json.decision).toBe('approve');

    const atSg2 = await resume({ config: ws.config, runId, progress: recordingProgress() });
    expect(atSg2).toMatchObject({ code: 'AWAITING_SG2', exitCode: 10 });
    expect((await sidecarOf(ws, runId)).approvals.SG1.accepted?.name).toBe(sg1.json.name);

    // SG2 by hand: only git and GnuPG (runbooks/sovereign.md).
    await sovereign.sync();
    const requestName = (await sovereign.list(folder)).find((n) => n.startsWith('SG2-lifecycle-authz-request-'));
    if (requestName === undefined) throw new Error('the SG2 request was not pushed');
    const requestSha = createHash('sha256').update(await readFile(path.join(sovereign.dir, folder, requestName))).digest('hex');
    const draft = path.join(repos.root, 'sg2-draft.md');
    await writeFile(draft, buildApprovalText({ gate: 'SG2', run_id: runId, request_sha256: requestSha, decision: 'approve', reason: 'IU counts and ids checked' }));
    const name = approvalDocumentName('SG2', utcDateStamp(new Date()));
    const signed = gnupg.gpg(['--pinentry-mode', 'loopback', '--passphrase', '', '--local-user', ws.fingerprint, '--clearsign', '--output', path.join(sovereign.dir, folder, name), draft]);
    expect(signed.status, signed.stderr).toBe(0);
    await push(sovereign, 'SG2 approval signed with gpg');

    const done = await resume({ config: ws.config, runId, progress: recordingProgress() });
    expect(done).toMatchObject({ code: null, exitCode: 0 });
    expect((await sidecarOf(ws, runId)).approvals.SG2.accepted?.name).toBe(name);

    // The auditor: a clone and the keyring only.
    const auditor = await repos.kb('auditor', { remote, env: hermeticGitEnv(repos.root) });
    await auditor.sync();
    const audit = () => verify({ config: auditorConfig(auditor), runId, kb: auditor });
    const closed = await runs({ config: auditorConfig(auditor), kb: auditor });
    expect(closed.json.entries.map((e) => e.run_id)).toEqual([runId]);
    expect(closed.json.not_closed_out).toEqual([]);
    const clean = await audit();
    expect(clean.json.checks.filter((c) => !c.ok)).toEqual([]);
    expect(clean.exitCode).toBe(0);
    expect(clean.text).toContain('kb-only');

    const failedAfter = async (message: string, edit: () => Promise<void>): Promise<string[]> => {
      await edit();
      await push(auditor, message);
      const out = await audit();
      expect(out.exitCode, message).toBe(20);
      const failed = out.json.checks.filter((c) => !c.ok).map((c) => c.check);
      await testGit(auditor.dir, repos.root).raw(['revert', '--no-edit', 'HEAD']);
      await testGit(auditor.dir, repos.root).raw(['push', 'origin', 'HEAD:main']);
      return failed;
    };
    // A revert leaves the tampering in history, so the runs-index (mutable) goes first.
    const index = path.join(auditor.dir, RUNS_INDEX_PATH);
    expect(await failedAfter('the runs-index line edited', async () => {
      const text = await readFile(index, 'utf8');
      await writeFile(index, text.replace(/· `readers` ·/, '· `readerz` ·'));
    })).toEqual(['runs_index']);
    const report = path.join(auditor.dir, (await sidecarOf(ws, runId)).uploads.find((u) => u.name.startsWith('03-cutplan-'))?.path ?? 'missing');
    expect(await failedAfter('report 03 edited in a new commit', async () => writeFile(report, `${await readFile(report, 'utf8')}\nedited\n`))).toEqual(expect.arrayContaining(['kb.revisions', 'chain.final_report']));
    expect(await failedAfter('the SG1 approval deleted', async () => rm(path.join(auditor.dir, sg1.json.path)))).toEqual(expect.arrayContaining(['approval.SG1']));
  }, SLOW);
});
