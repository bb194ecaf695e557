import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { evaluateGateApprovals } from '../../../src/approval/evaluateGateApprovals.js';
import { loadKeyring } from '../../../src/approval/loadKeyring.js';
import { verifyApproval } from '../../../src/approval/verifyApproval.js';
import { approve } from '../../../src/commands/approve.js';
import { InputError, StopError } from '../../../src/errors.js';
import { approvalDocumentName } from '../../../src/kb/runDocuments.js';
import { utcDateStamp } from '../../../src/kb/utcStamp.js';
import type { SovereignKeyPair } from '../../../src/keys/generateSovereignKey.js';
import { voidRun } from '../../../src/commands/void.js';
import { openKb } from '../../../src/kb/openKb.js';
import { readSidecar } from '../../../src/sidecar/readSidecar.js';
import { uploadOf } from '../../../machines/runView.js';
import { buildRun, sampleStatute, type BuiltRun, type RunWorkspace } from '../../support/buildRun.js';
import { BUILD_HOOK_TIMEOUT_MS, buildRunTemplate, type RunCopy, type RunTemplate } from '../../support/cloneRun.js';
import { hermeticGitEnv, remoteFile, tempGitRepos, testGit } from '../../support/gitRepos.js';
import { makeSovereign, makeTempDir } from '../../support/sovereignKeys.js';

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(() => { throw new Error('expected a rejection'); }, (e: unknown) => e);
}

/** Runs built once by the real pipeline (PGlite); every test approves on its own copy of them. */
interface ApproveRuns {
  /** Paused AWAITING_SG1 (the sample statute). */
  atSg1: BuiltRun;
  /** Killed by a failpoint right before its SG1 request was committed: the request is not uploaded. */
  beforeRequest: BuiltRun;
  /** SG1 approved, paused AWAITING_SG2. */
  atSg2: BuiltRun;
}

describe('orchestrate approve on a real KB with real OpenPGP keys', () => {
  let template: RunTemplate<ApproveRuns>;
  let copy: RunCopy;
  let ws: RunWorkspace;
  let sovereign: SovereignKeyPair;
  let stranger: SovereignKeyPair;
  let protectedKey: SovereignKeyPair;
  let keyDir: string;
  const keyFile = (name: string): string => path.join(keyDir, `${name}.sec.asc`);

  beforeAll(async () => {
    sovereign = await makeSovereign({ name: 'Ada Sovereign' });
    stranger = await makeSovereign({ name: 'Mallory Stranger' });
    protectedKey = await makeSovereign({ name: 'Grace Guarded', passphrase: 'correct horse battery' });
    template = await buildRunTemplate('pglite', async (w) => ({
      atSg1: await buildRun(w, { until: 'SG1' }),
      beforeRequest: await buildRun(w, { until: { killedAt: 'SG1/kb.commit.before' }, document: sampleStatute('sample-early') }),
      atSg2: await buildRun(w, { until: 'SG2', document: sampleStatute('sample-sg2') }),
    }), { sovereign, trustedKeys: [protectedKey.publicKeyArmored] });
    keyDir = await makeTempDir('sovereign-keys-');
    await writeFile(keyFile('ada'), sovereign.privateKeyArmored);
    await writeFile(keyFile('mallory'), stranger.privateKeyArmored);
    await writeFile(keyFile('grace'), protectedKey.privateKeyArmored);
  }, BUILD_HOOK_TIMEOUT_MS);
  afterAll(async () => {
    await template.drop();
  });
  beforeEach(async () => {
    copy = await template.copy();
    ws = copy.ws;
  });
  afterEach(async () => {
    await copy.cleanup();
  });
  /** The request a run waits at, as the pipeline uploaded it. */
  const requestOf = (run: BuiltRun, gate: 'SG1' | 'SG2' = 'SG1') => {
    const up = uploadOf(run.view, gate);
    if (up === undefined) throw new Error(`run ${run.runId} has no ${gate} request`);
    return up;
  };
  /** The run folder holds exactly what the pipeline uploaded (no approval was committed). */
  const uploadedNames = (run: BuiltRun): string[] => run.view.uploads.map((u) => u.name).sort();

  it('commits a signed approval bound to the committed request; a second one takes suffix -2', async () => {
    const run = template.data.atSg1;
    const now = new Date();
    const first = await approve({ config: ws.config, cwd: ws.config.workspace, runId: run.runId, gate: 'SG1', keyFile: keyFile('ada'), now });
    const stamp = utcDateStamp(now);
    expect(first.json.name).toBe(approvalDocumentName('SG1', stamp));
    expect(first.json.name).toBe(`SG1-cut-authz-approval-${stamp}.md`);
    expect(first.json.path).toBe(`${run.folder}/${first.json.name}`);
    expect(first.json.request_sha256).toBe(requestOf(run).sha256);
    expect(first.json.signer_fingerprint).toBe(sovereign.fingerprint);
    expect(first.json.resumed).toBe(false);
    expect(first.text).toContain('NOT resumed');
    expect(first.text).toContain(`orchestrate resume --run-id ${run.runId}`);

    const bytes = await readFile(path.join(ws.kb.dir, first.json.path));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(first.json.sha256);
    expect(await ws.kb.revisions(first.json.path)).toBe(1);
    const keyring = await loadKeyring(ws.config.keyringDir);
    const verdict = await verifyApproval(bytes.toString('utf8'), keyring, { gate: 'SG1', run_id: run.runId, request_sha256: requestOf(run).sha256 });
    expect(verdict).toMatchObject({ ok: true, decision: 'approve', reason: 'approved', signer_fingerprint: sovereign.fingerprint });
    const author = await testGit(ws.kb.dir).raw(['log', '-1', '--format=%an <%ae>', '--', first.json.path]);
    expect(author.trim()).toBe('Ada Sovereign <ada.sovereign@example.org>');

    const second = await approve({ config: ws.config, cwd: ws.config.workspace, runId: run.runId, gate: 'SG1', keyFile: keyFile('grace'), passphrase: 'correct horse battery', reason: 'checked the digests', now });
    expect(second.json.name).toBe(`SG1-cut-authz-approval-${stamp}-2.md`);
    expect(second.json.signer_fingerprint).toBe(protectedKey.fingerprint);
    expect(await ws.kb.revisions(second.json.path)).toBe(1);
    expect(await ws.kb.revisions(first.json.path)).toBe(1);

    const files = await Promise.all([first, second].map(async (a) => ({ name: a.json.name, bytes: new Uint8Array(await readFile(path.join(ws.kb.dir, a.json.path))) })));
    const gate = await evaluateGateApprovals(files, keyring, { gate: 'SG1', run_id: run.runId, request_sha256: requestOf(run).sha256 });
    expect(gate.refused).toEqual([]);
    expect(gate.accepted).toMatchObject({ decision: 'approve' });
    // approve writes no sidecar: the run still waits until `resume`
    expect((await readSidecar(ws.config.sidecarsDir, run.runId)).view.state).toBe('awaiting_sg1');
  });

  it('a deny needs a reason; with one it is committed and verifies as deny', async () => {
    const run = template.data.atSg1;
    const base = { config: ws.config, cwd: ws.config.workspace, runId: run.runId, gate: 'SG1', keyFile: keyFile('ada'), deny: true };
    const noReason = await rejection(approve(base));
    expect(noReason).toBeInstanceOf(InputError);
    expect((noReason as InputError).where.field).toBe('reason');
    expect(await ws.kb.list(run.folder)).toEqual(uploadedNames(run));
    const blank = await rejection(approve({ ...base, reason: '   ' }));
    expect(blank).toBeInstanceOf(InputError);

    const denied = await approve({ ...base, reason: 'the region excludes the proclamation' });
    expect(denied.json.decision).toBe('deny');
    const keyring = await loadKeyring(ws.config.keyringDir);
    const verdict = await verifyApproval(await readFile(path.join(ws.kb.dir, denied.json.path), 'utf8'), keyring, { gate: 'SG1', run_id: run.runId, request_sha256: requestOf(run).sha256 });
    expect(verdict).toMatchObject({ ok: true, decision: 'deny', reason: 'the region excludes the proclamation' });
  });

  it('refuses when the request is not uploaded yet, naming what to do', async () => {
    const early = template.data.beforeRequest;
    const err = await rejection(approve({ config: ws.config, cwd: ws.config.workspace, runId: early.runId, gate: 'SG1', keyFile: keyFile('ada') }));
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toContain('not uploaded yet');
    expect((err as InputError).next).toContain(`orchestrate resume --run-id ${early.runId}`);

    const waiting = template.data.atSg1;
    const sg2 = await rejection(approve({ config: ws.config, cwd: ws.config.workspace, runId: waiting.runId, gate: 'SG2', keyFile: keyFile('ada') }));
    expect(sg2).toBeInstanceOf(InputError);
    expect((sg2 as InputError).next).toContain('approve SG1 first');
  });

  it('refuses a signer outside the trusted keyring and commits nothing', async () => {
    const run = template.data.atSg1;
    const head = await ws.kb.headCommit();
    const err = await rejection(approve({ config: ws.config, cwd: ws.config.workspace, runId: run.runId, gate: 'SG1', keyFile: keyFile('mallory') }));
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toContain(stranger.fingerprint.toUpperCase());
    expect((err as InputError).next).toContain(ws.config.keyringDir);
    expect(await ws.kb.headCommit()).toBe(head);
    expect(await ws.kb.list(run.folder)).toEqual(uploadedNames(run));
  });

  it('refuses bad input: unknown run, wrong gate, missing key file, wrong passphrase; the error never echoes the passphrase', async () => {
    const run = template.data.atSg1;
    const base = { config: ws.config, cwd: ws.config.workspace, runId: run.runId, gate: 'SG1', keyFile: keyFile('ada') };
    const unknown = await rejection(approve({ ...base, runId: '01890a5d-ac96-774b-bcce-b302099a8057' }));
    expect((unknown as InputError).message).toContain('no run 01890a5d-ac96-774b-bcce-b302099a8057 in the KB');
    expect((unknown as InputError).next).toContain('orchestrate runs');
    expect(await rejection(approve({ ...base, gate: 'SG3' }))).toBeInstanceOf(InputError);
    const missing = await rejection(approve({ ...base, keyFile: 'nope.sec.asc' }));
    expect((missing as InputError).where.field).toBe('key');
    const wrong = await rejection(approve({ ...base, keyFile: keyFile('grace'), passphrase: 'wrong passphrase 42' }));
    expect(wrong).toBeInstanceOf(InputError);
    expect((wrong as Error).message).not.toContain('wrong passphrase 42');
    expect(await ws.kb.list(run.folder)).toEqual(uploadedNames(run));
  });

  it('refuses to sign when the committed request bytes differ from the sidecar record (STOP_DRIFT)', async () => {
    const run = template.data.atSg1;
    const relPath = requestOf(run).path;
    const file = path.join(ws.kb.dir, relPath);
    const original = await readFile(file, 'utf8');
    const edited = original.replace('outcome : PENDING', 'outcome : PASS');
    expect(edited).not.toBe(original);
    const git = testGit(ws.kb.dir, ws.root);
    await writeFile(file, edited);
    await git.commit('someone edits the request', [relPath]);
    const head = await ws.kb.headCommit();
    const err = await rejection(approve({ config: ws.config, cwd: ws.config.workspace, runId: run.runId, gate: 'SG1', keyFile: keyFile('ada') }));
    expect(err).toBeInstanceOf(StopError);
    expect((err as StopError).code).toBe('STOP_DRIFT');
    expect(await ws.kb.headCommit()).toBe(head);
    await writeFile(file, original);
    await git.commit('restore the request', [relPath]);
  });

  it('from a sovereign\'s KB clone alone (no sidecar, no DB): shows what the gate authorises and asks; declined → nothing; signed → pushed; then the gate is decided', async () => {
    const repos = await tempGitRepos('approve-clone-');
    try {
      const remote = await repos.bareRemote();
      const operator = await openKb({ dir: ws.config.kbDir, remote, retry: { minTimeout: 0 }, env: hermeticGitEnv(ws.root) });
      await testGit(operator.dir, ws.root).raw(['push', '--set-upstream', 'origin', 'HEAD:main']);
      const clone = await repos.kb('sovereign-clone', { remote });
      await clone.sync();
      const run = template.data.atSg1;
      const folder = path.posix.dirname(requestOf(run).path);
      const sovereignConfig = { ...ws.config, kbDir: clone.dir, sidecarsDir: path.join(repos.root, 'no-sidecars-here') };
      const base = { config: sovereignConfig, cwd: ws.config.workspace, gate: 'SG1', keyFile: keyFile('ada'), kb: clone };
      let shown = '';
      const remoteHead = async () => (await testGit(remote, ws.root).raw(['rev-parse', 'main'])).trim();
      const before = await remoteHead();
      const declined = await rejection(approve({ ...base, runFolder: path.join(clone.dir, folder), confirm: async (summary) => { shown = summary; return false; } }));
      expect(declined).toBeInstanceOf(InputError);
      expect((declined as InputError).message).toMatch(/declined/);
      expect(await remoteHead()).toBe(before);
      expect(shown).toContain(`SG1 request of run ${run.runId}`);
      expect(shown).toContain(`sha256     ${requestOf(run).sha256}`);
      for (const part of ['writer_digest', 'region_sha', 'backup_sha', 'IU counts', 'total', 'authorises', 'source     ']) expect(shown).toContain(part);

      const signed = await approve({ ...base, runFolder: folder, confirm: async () => true });
      expect(signed.json).toMatchObject({ run_id: run.runId, gate: 'SG1', decision: 'approve', request_sha256: requestOf(run).sha256 });
      expect(signed.text).toContain(`SG1 request of run ${run.runId}`);
      expect(await remoteFile(remote, signed.json.path)).toBe(await readFile(path.join(clone.dir, signed.json.path), 'utf8'));
      const verdict = await evaluateGateApprovals([{ name: signed.json.name, bytes: await readFile(path.join(clone.dir, signed.json.path)) }], await loadKeyring(ws.config.keyringDir), { gate: 'SG1', run_id: run.runId, request_sha256: requestOf(run).sha256 });
      expect(verdict.accepted?.decision).toBe('approve');

      // By run id (no hyphens), still without a sidecar: the folder that names the run is found, and the gate is decided there.
      const again = await rejection(approve({ ...base, runId: run.runId.replaceAll('-', '') }));
      expect(again).toBeInstanceOf(InputError);
      expect((again as InputError).message).toContain('already decided');
    } finally {
      await repos.cleanup();
    }
  });

  it('with a KB remote: syncs before numbering, so a second host\'s approval is not overwritten; both land on the remote', async () => {
    const repos = await tempGitRepos('approve-remote-');
    try {
      const remote = await repos.bareRemote();
      // host A is the workspace that ran the cut; its KB gets the remote and pushes what it has
      const hostA = await openKb({ dir: ws.config.kbDir, remote, retry: { minTimeout: 0 }, env: hermeticGitEnv(ws.root) });
      await testGit(hostA.dir, ws.root).raw(['push', '--set-upstream', 'origin', 'HEAD:main']);
      const run = template.data.atSg1;
      expect(await remoteFile(remote, requestOf(run).path)).toBeDefined();
      const hostB = await repos.kb('host-b', { remote });
      await hostB.sync();
      const now = new Date();
      const fromB = await approve({ config: { ...ws.config, kbDir: hostB.dir }, cwd: ws.config.workspace, runId: run.runId, gate: 'SG1', keyFile: keyFile('ada'), now });
      const fromA = await approve({ config: { ...ws.config, kbDir: hostA.dir }, cwd: ws.config.workspace, runId: run.runId, gate: 'SG1', keyFile: keyFile('grace'), passphrase: 'correct horse battery', now });
      expect(fromB.json.name).toBe(`SG1-cut-authz-approval-${utcDateStamp(now)}.md`);
      expect(fromA.json.name).toBe(`SG1-cut-authz-approval-${utcDateStamp(now)}-2.md`);
      expect(await remoteFile(remote, fromB.json.path)).toBe(await readFile(path.join(hostB.dir, fromB.json.path), 'utf8'));
      expect(await remoteFile(remote, fromA.json.path)).toBe(await readFile(path.join(hostA.dir, fromA.json.path), 'utf8'));
    } finally {
      await repos.cleanup();
    }
  });

  it('never commits a configured secret or the passphrase quoted in the reason', async () => {
    const run = template.data.atSg1;
    const err = await rejection(approve({ config: { ...ws.config, secrets: ['s3cr3t-db-password'] }, cwd: ws.config.workspace, runId: run.runId, gate: 'SG1', keyFile: keyFile('ada'), reason: 'db password is s3cr3t-db-password' }));
    expect(err).toBeInstanceOf(StopError);
    expect((err as StopError).message).not.toContain('s3cr3t-db-password');
    const withPass = await rejection(approve({ config: ws.config, cwd: ws.config.workspace, runId: run.runId, gate: 'SG1', keyFile: keyFile('grace'), passphrase: 'correct horse battery', reason: 'my passphrase is correct horse battery' }));
    expect(withPass).toBeInstanceOf(StopError);
    expect(await ws.kb.list(run.folder)).toEqual(uploadedNames(run));
  });

  it('refuses a voided run and a gate already decided', async () => {
    const decided = template.data.atSg2;
    const again = await rejection(approve({ config: ws.config, cwd: ws.config.workspace, runId: decided.runId, gate: 'SG1', keyFile: keyFile('ada') }));
    expect((again as InputError).message).toContain('already decided');
    const run = template.data.atSg1;
    await voidRun({ config: ws.config, cwd: ws.config.workspace, runId: run.runId, keyFile: keyFile('ada'), reason: 'voided before approval', db: copy.db, kb: ws.kb });
    const voided = await rejection(approve({ config: ws.config, cwd: ws.config.workspace, runId: run.runId, gate: 'SG1', keyFile: keyFile('ada') }));
    expect((voided as InputError).message).toContain('voided');
  });

});
