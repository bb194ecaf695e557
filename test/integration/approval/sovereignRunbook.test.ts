/**
 * Acceptance (issue 9 "sovereign works blind"): runbooks/sovereign.md followed literally. A sovereign
 * with only git and GnuPG — no orchestrator — clones the KB remote, finds the SG2 request, hashes it
 * with `sha256sum`, writes the approval in the runbook's format, signs it with `gpg --clearsign
 * --output <final name>`, commits and pushes; the operator's resume then opens SG2 and finishes the
 * run, and `verify` passes. Before that, gpg's default output name (`<draft>.asc`) is refused
 * `misnamed`. Real git, real gpg, PGlite.
 */
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { buildApprovalText } from '../../../src/approval/approvalDocument.js';
import { cut } from '../../../src/commands/cut.js';
import { resume } from '../../../src/commands/resume.js';
import { packageRoot } from '../../../src/packageRoot.js';
import { makeCutWorkspace, recordingProgress, type CutWorkspace } from '../../support/cutWorkspace.js';
import { tempGitRepos, testGit, type TempGitRepos } from '../../support/gitRepos.js';
import { makeGnupgHome, type GnupgHome } from '../../support/sovereignKeys.js';
import { runCli, sidecarOf } from '../../support/stopHelpers.js';

// A whole governed cut: a hang guard only (the machine may be twice as loaded), as vitest.config.ts.
const SLOW = 900_000;

const exec = promisify(execFile);

/** The fields of the runbook's example approval (an SG2 approve). */
const EXAMPLE = {
  runId: '01a245ea-2b4f-76aa-887d-1a9a0bb639b3',
  requestSha: '3f1c0c5e9d3b4a6e2c8f7a1b0d9e8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d',
  reason: 'checked the digests, the IU counts and the verify result in the request',
} as const;

let repos: TempGitRepos;
let gnupg: GnupgHome | undefined;
beforeEach(async () => {
  repos = await tempGitRepos('sovereign-runbook-');
});
afterEach(async () => {
  await gnupg?.cleanup();
  gnupg = undefined;
  await repos.cleanup();
});

/** The sovereign's shell: real binaries, with a HOME of its own (no developer git config). */
interface Shell {
  /** runs `cmd args` in `cwd`; its stdout as text */
  run(cmd: string, args: readonly string[], cwd: string): Promise<string>;
  /** the same, stdout as bytes */
  bytes(cmd: string, args: readonly string[], cwd: string): Promise<Buffer>;
}

function sovereignShell(home: string): Shell {
  const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, LANG: 'C', GIT_CONFIG_NOSYSTEM: '1' };
  return {
    run: async (cmd, args, cwd) => (await exec(cmd, [...args], { cwd, env })).stdout,
    bytes: async (cmd, args, cwd) => (await exec(cmd, [...args], { cwd, env, encoding: 'buffer' })).stdout,
  };
}

/** The operator's KB gets a remote (`origin`, branch main): the sovereign works on a clone of it. */
async function withRemote(ws: CutWorkspace): Promise<string> {
  const bare = await repos.bareRemote();
  const git = testGit(ws.config.kbDir);
  await git.raw(['remote', 'add', 'origin', bare]);
  await git.raw(['push', 'origin', 'main']);
  return bare;
}

test('a sovereign with only git and gpg approves SG2 as runbooks/sovereign.md says; gpg\'s default <draft>.asc is refused misnamed', async () => {
  // CI installs gnupg (.ci/run): its absence is a failure here, never a skip (as gpgInterop.test.ts).
  const probe = spawnSync('gpg', ['--version']);
  expect(probe.error, 'gpg (GnuPG) must be installed to run this test').toBeUndefined();

  const ws = await makeCutWorkspace({ laws: ['readers'] });
  const remote = await withRemote(ws);
  const started = await cut({ config: ws.config, documentId: 'readers', progress: recordingProgress() });
  expect(started).toMatchObject({ code: 'AWAITING_SG1', exitCode: 10 });
  const runId = started.run_id;
  const folder = started.kb_folder;
  await ws.approve(runId, 'SG1');
  expect(await resume({ config: ws.config, runId, progress: recordingProgress() })).toMatchObject({ code: 'AWAITING_SG2', exitCode: 10 });

  // ---- The sovereign, on their own machine: git and gpg only. ----
  const home = path.join(repos.root, 'sovereign-home');
  await mkdir(home);
  const shell = sovereignShell(home);
  const sh = shell.run;
  const clone = path.join(home, 'kb');
  await sh('git', ['clone', remote, clone], home);
  await sh('git', ['config', 'user.name', 'Test Sovereign'], clone);
  await sh('git', ['config', 'user.email', 'sovereign@example.org'], clone);

  // 1. Find the request (runbook step 1: git grep for "· SG2 · <run_id>" among the SG2 requests).
  const requestPath = (await sh('git', ['grep', '-l', '-F', `· SG2 · ${runId}`, '--', 'knowledge/dev/laws/*/SG2-lifecycle-authz-request-*.md'], clone)).trim();
  expect(requestPath).toMatch(new RegExp(`^${folder}/SG2-lifecycle-authz-request-\\d{8}\\.md$`));
  const runFolder = path.join(clone, path.posix.dirname(requestPath));
  expect(runFolder).toBe(path.join(clone, folder));
  const requestText = await readFile(path.join(clone, requestPath), 'utf8');
  // The request itself tells the sovereign the file name and every field to sign.
  expect(requestText).toContain('SG2-lifecycle-authz-approval-<YYYYMMDD>.md');
  expect(requestText).toContain('SG2-lifecycle-authz-approval-<YYYYMMDD>-2.md');
  for (const field of ['gate', 'run_id', 'request_sha256', 'decision', 'reason']) {
    expect(requestText).toMatch(new RegExp(`^approval_binds:\\n(?: {2}.+\\n)* {2}${field}: `, 'm'));
  }
  expect(requestText.split('\n', 1)[0]).toBe(`# Lifecycle Authorisation Request · SG2 · ${runId}`);

  // 2. request_sha256: sha256sum of the request file; the committed blob hashes the same.
  const requestSha = (await sh('sha256sum', [requestPath], clone)).split(' ')[0] ?? '';
  const blob = await shell.bytes('git', ['cat-file', 'blob', `HEAD:${requestPath}`], clone);
  expect(requestSha).toMatch(/^[0-9a-f]{64}$/);
  expect(createHash('sha256').update(blob).digest('hex')).toBe(requestSha);
  expect((await sidecarOf(ws, runId)).uploads.find((u) => u.path === requestPath)?.sha256).toBe(requestSha);

  // 3. The draft, outside the clone: the runbook's complete example with this run's id and request sha256.
  const runbook = await readFile(path.join(packageRoot(), 'runbooks', 'sovereign.md'), 'utf8');
  const example = /```markdown\n([\s\S]*?)```/.exec(runbook)?.[1];
  if (example === undefined) throw new Error('runbooks/sovereign.md has no ```markdown example approval');
  // The example is exactly what `orchestrate approve` writes for the same fields (true to the code).
  expect(example).toBe(buildApprovalText({ gate: 'SG2', run_id: EXAMPLE.runId, request_sha256: EXAMPLE.requestSha, decision: 'approve', reason: EXAMPLE.reason }));
  const draft = path.join(home, 'SG2-approval-draft.md');
  await writeFile(draft, example.split(EXAMPLE.runId).join(runId).split(EXAMPLE.requestSha).join(requestSha));

  // The sovereign's key in their own GnuPG home (the workspace key: unprotected, trusted in the keyring).
  const gpgHome = await makeGnupgHome();
  gnupg = gpgHome;
  gpgHome.importKey(await readFile(ws.sovereignKey, 'utf8'));
  // 4. The runbook's `gpg --clearsign [--output <final name>] <draft>`, plus only what a test needs to
  // run gpg without a terminal: the runner's --batch --no-tty --homedir, and --pinentry-mode loopback
  // --passphrase '' (the key has none); --local-user picks the key, as the runbook's note says.
  expect(runbook).toContain('gpg --clearsign --output "$FOLDER/$NAME" ~/"$GATE"-approval-draft.md');
  const sign = (args: readonly string[]): void => {
    const r = gpgHome.gpg(['--pinentry-mode', 'loopback', '--passphrase', '', '--local-user', ws.fingerprint, '--clearsign', ...args]);
    expect(r.status, r.stderr).toBe(0);
  };
  const commitAndPush = async (name: string): Promise<void> => {
    await sh('git', ['add', `${folder}/${name}`], clone);
    await sh('git', ['commit', '-m', `SG2 approval of run ${runId}`], clone);
    await sh('git', ['push', 'origin', 'main'], clone);
  };

  // The mistake the runbook warns about: no --output, so gpg writes <draft>.asc, committed under that name.
  sign([draft]);
  const defaultName = `${path.basename(draft)}.asc`;
  await copyFile(path.join(home, defaultName), path.join(runFolder, defaultName));
  await commitAndPush(defaultName);
  const refused = await resume({ config: ws.config, runId, progress: recordingProgress() });
  expect(refused).toMatchObject({ code: 'STOP_APPROVAL_INVALID', exitCode: 20, state: 'awaiting_sg2' });
  expect((await sidecarOf(ws, runId)).approvals.SG2.refused.map((r) => [r.name, r.reason])).toEqual([[defaultName, 'misnamed']]);
  expect((await runCli(ws, ['status', '--run-id', runId])).stdout).toContain(`SG2 ${defaultName}: refused (misnamed)`);

  // 4. As the runbook says: --output <final name> into the run folder, checked with gpg --verify;
  // 5. then add, commit, push.
  await sh('git', ['pull', '--rebase', 'origin', 'main'], clone);
  const finalName = `SG2-lifecycle-authz-approval-${(await sh('date', ['-u', '+%Y%m%d'], home)).trim()}.md`;
  expect(existsSync(path.join(runFolder, finalName)), `${finalName} is taken`).toBe(false);
  sign(['--output', path.join(runFolder, finalName), draft]);
  expect(gpgHome.gpg(['--verify', path.join(runFolder, finalName)]).status).toBe(0);
  await commitAndPush(finalName);

  const done = await resume({ config: ws.config, runId, progress: recordingProgress() });
  expect(done, done.message).toMatchObject({ code: null, exitCode: 0, state: 'done' });
  const sidecar = await sidecarOf(ws, runId);
  expect(sidecar.approvals.SG2.accepted).toMatchObject({ name: finalName, decision: 'approve', signer_fingerprint: ws.fingerprint.toLowerCase() });
  expect(sidecar.approvals.SG2.refused.map((r) => r.reason)).toEqual(['misnamed']);
  const verified = await runCli(ws, ['verify', '--run-id', runId]);
  expect(verified.code, verified.stdout + verified.stderr).toBe(0);
}, SLOW);
