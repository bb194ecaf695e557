import { execFileSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { collectGateFiles } from '../../../src/approval/collectGateFiles.js';
import { kbPathHistory } from '../../../src/evidence/addedInCommit.js';
import { checkKbEvidence } from '../../../src/evidence/checkKbEvidence.js';
import type { EvidenceRun } from '../../../src/evidence/EvidenceRun.js';
import { KbPathTaken } from '../../../src/kb/KbPathTaken.js';
import { createKbGitRunner, folderHistory, gitBlobId, lastChange } from '../../../src/kb/kbGit.js';
import { kbGitEnv } from '../../../src/kb/kbGitEnv.js';
import { DEFAULT_KB_AUTHOR } from '../../../src/kb/openKb.js';
import { hermeticGitEnv, tempGitRepos, testGit, type TempGitRepos } from '../../support/gitRepos.js';

const FOLDER = 'knowledge/dev/laws/us-const/v008a06ace23a96ea-automation-cut-20260520';
const DOC = `${FOLDER}/01-source-pin-20260520.md`;
const DOC2 = `${FOLDER}/02-mark-20260520.md`;

let repos: TempGitRepos;
beforeEach(async () => {
  repos = await tempGitRepos();
});
afterEach(async () => {
  await repos.cleanup();
});

const runnerFor = (dir: string) => createKbGitRunner(dir, kbGitEnv(process.env, hermeticGitEnv(repos.root)), DEFAULT_KB_AUTHOR);

describe('git plumbing of the KB store', () => {
  test('gitBlobId equals git hash-object, for text and binary bytes', async () => {
    const dir = path.join(repos.root, 'plain');
    await mkdir(dir);
    for (const bytes of [Buffer.from('report é\n'), Buffer.alloc(0), Buffer.from([0, 255, 10, 13, 0])]) {
      await writeFile(path.join(dir, 'f'), bytes);
      const expected = execFileSync('git', ['hash-object', path.join(dir, 'f')], { encoding: 'utf8' }).trim();
      expect(gitBlobId(bytes)).toBe(expected);
    }
  });

  test('blobIds lists every committed file of a folder with its blob id, one entry per path', async () => {
    const kb = await repos.kb('kb');
    expect(await kb.blobIds(FOLDER)).toEqual(new Map());
    await kb.upload(DOC, 'one\n', 'm1');
    await kb.upload(DOC2, 'two\n', 'm2');
    await kb.upload('knowledge/elsewhere.md', 'x\n', 'm3');
    expect(await kb.blobIds(FOLDER)).toEqual(
      new Map([
        [DOC, gitBlobId(Buffer.from('one\n'))],
        [DOC2, gitBlobId(Buffer.from('two\n'))],
      ]),
    );
    expect(await kb.blobIds('knowledge/nowhere')).toEqual(new Map());
  });

  test('blobSizes and readBlob give the committed bytes, not the work tree\'s', async () => {
    const kb = await repos.kb('kb');
    expect(await kb.blobSizes(FOLDER)).toEqual(new Map());
    await kb.upload(DOC, 'one é\n', 'm1');
    await kb.upload(DOC2, Buffer.alloc(0), 'm2');
    await writeFile(path.join(kb.dir, DOC), 'edited in the work tree, longer\n');
    expect(await kb.blobSizes(FOLDER)).toEqual(new Map([[DOC, Buffer.byteLength('one é\n')], [DOC2, 0]]));
    const id = (await kb.blobIds(FOLDER)).get(DOC);
    if (id === undefined) throw new Error('DOC not committed');
    expect(Buffer.from(await kb.readBlob(id)).toString('utf8')).toBe('one é\n');
    await expect(kb.readBlob('not-an-id')).rejects.toThrow(/not a git object id/);
  });

  test('collectGateFiles: committed approvals with committed bytes; work-tree-only → not_committed; approval-like names → misnamed', async () => {
    const kb = await repos.kb('kb');
    const approval = `${FOLDER}/SG1-cut-authz-approval-20260520.md`;
    await kb.upload(DOC, 'one\n', 'm1');
    await kb.upload(approval, 'signed v1\n', 'sovereign');
    await kb.upload(`${FOLDER}/SG1-cut-authz-approval-20260520.md.asc`, 'gpg output\n', 'sovereign');
    await kb.upload(`${FOLDER}/SG2-lifecycle-authz-approval-20260520.md`, 'other gate\n', 'sovereign');
    await writeFile(path.join(kb.dir, approval), 'altered in the work tree\n');
    await writeFile(path.join(kb.dir, FOLDER, 'SG1-cut-authz-approval-20260520-2.md'), 'not committed\n');
    await writeFile(path.join(kb.dir, FOLDER, 'sg1-approval.md'), 'lower case\n');
    await writeFile(path.join(kb.dir, FOLDER, 'sg2-approval.md'), 'the other gate\n');
    await writeFile(path.join(kb.dir, FOLDER, '.DS_Store'), 'finder\n');
    const found = await collectGateFiles(kb, FOLDER, 'SG1');
    expect(found.committed.map((f) => [f.name, Buffer.from(f.bytes).toString('utf8')])).toEqual([['SG1-cut-authz-approval-20260520.md', 'signed v1\n']]);
    expect(found.refused.map((r) => [r.name, r.reason])).toEqual([
      ['SG1-cut-authz-approval-20260520-2.md', 'not_committed'],
      ['SG1-cut-authz-approval-20260520.md.asc', 'misnamed'],
      ['sg1-approval.md', 'misnamed'],
    ]);
  });

  test('lastChange: never touched, added, deleted; folderHistory counts revisions and the adding commit', async () => {
    const kb = await repos.kb('kb');
    const run = runnerFor(kb.dir);
    expect(await lastChange(run, DOC)).toBeNull();
    const first = await kb.upload(DOC, 'one\n', 'm1');
    expect(await lastChange(run, DOC)).toEqual({ commit: first.commit, status: 'A', blob: gitBlobId(Buffer.from('one\n')) });
    const second = await kb.upload(DOC2, 'two\n', 'm2');
    const git = testGit(kb.dir, repos.root);
    await writeFile(path.join(kb.dir, DOC2), 'rewritten\n');
    await git.raw(['commit', '-qam', 'tamper']);
    await git.raw(['rm', '-q', '--', DOC]);
    await git.raw(['commit', '-qm', 'delete']);
    const head = (await git.raw(['rev-parse', 'HEAD'])).trim();
    expect(await lastChange(run, DOC)).toMatchObject({ commit: head, status: 'D' });

    const history = await folderHistory(run, FOLDER);
    expect(history?.get(DOC)).toEqual({ commits: [head, first.commit], added: first.commit });
    expect(history?.get(DOC2)?.commits).toHaveLength(2);
    expect(history?.get(DOC2)?.added).toBe(second.commit);
    const lookups = kbPathHistory(kb.dir);
    expect(await lookups.revisions(DOC2)).toBe(2);
    expect(await lookups.addedIn(DOC2)).toBe(second.commit);
    expect(await lookups.revisions(`${FOLDER}/never.md`)).toBe(0);
    expect(await lookups.addedIn(`${FOLDER}/never.md`)).toBeUndefined();
  });

  test('a deleted document is never uploaded again (history), other bytes at HEAD are refused', async () => {
    const kb = await repos.kb('kb');
    await kb.upload(DOC, 'one\n', 'm1');
    await kb.upload(DOC2, 'two\n', 'm2');
    const git = testGit(kb.dir, repos.root);
    await git.raw(['rm', '-q', '--', DOC]);
    await git.raw(['commit', '-qm', 'delete']);
    await expect(kb.upload(DOC, 'one\n', 'again')).rejects.toMatchObject({ name: 'KbPathTaken', where: 'history' });
    const refused = await kb.upload(DOC2, 'other\n', 'm').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(KbPathTaken);
    expect(refused).toMatchObject({ where: 'local-commit' });
  });

  test('with a merge in the history the answers fall back to per-path reads and stay right', async () => {
    const kb = await repos.kb('kb');
    const first = await kb.upload(DOC, 'one\n', 'm1');
    const git = testGit(kb.dir, repos.root);
    await git.raw(['checkout', '-q', '-b', 'side']);
    await mkdir(path.join(kb.dir, FOLDER), { recursive: true });
    await writeFile(path.join(kb.dir, DOC2), 'two\n');
    await git.raw(['add', '--', DOC2]);
    await git.raw(['commit', '-qm', 'side']);
    const side = (await git.raw(['rev-parse', 'HEAD'])).trim();
    await git.raw(['checkout', '-q', 'main']);
    // Both sides change the folder, so the merge is in the folder's history (not simplified away).
    await writeFile(path.join(kb.dir, `${FOLDER}/03-cutplan-20260520.md`), 'three\n');
    await git.raw(['add', '--', `${FOLDER}/03-cutplan-20260520.md`]);
    await git.raw(['commit', '-qm', 'main side']);
    await git.raw(['merge', '-q', '--no-ff', '--no-edit', 'side']);

    const run = runnerFor(kb.dir);
    expect(await folderHistory(run, FOLDER)).toBeUndefined();
    const lookups = kbPathHistory(kb.dir);
    expect(await lookups.revisions(DOC2)).toBe(1);
    expect(await lookups.addedIn(DOC2)).toBe(side);
    expect(await lookups.addedIn(DOC)).toBe(first.commit);
    // Re-uploading the merged-in document with its bytes adopts the side commit.
    expect((await kb.upload(DOC2, 'two\n', 'again')).commit).toBe(side);
  });

  test('a re-upload of committed bytes adopts the commit even when the work-tree copy is gone', async () => {
    const kb = await repos.kb('kb');
    const first = await kb.upload(DOC, 'one\n', 'm1');
    await rm(path.join(kb.dir, DOC));
    const again = await kb.upload(DOC, 'one\n', 'm1 again');
    expect(again.commit).toBe(first.commit);
    expect(await kb.headCommit()).toBe(first.commit);
  });
});

describe('KB evidence from one tree read', () => {
  const evidenceRun = (uploads: { path: string; sha256: string; commit: string }[]): EvidenceRun => ({
    run_id: 'r',
    law_id: 'us-const',
    source_version_id: '0'.repeat(64),
    kb_folder: FOLDER,
    pins: {},
    uploads,
  });

  test('one blobIds call for the folder; tampering at HEAD or in the work tree fails the document', async () => {
    const kb = await repos.kb('kb');
    const uploads = [await kb.upload(DOC, 'one\n', 'm1'), await kb.upload(DOC2, 'two\n', 'm2')];
    const run = evidenceRun(uploads.map(({ path: p, sha256, commit }) => ({ path: p, sha256, commit })));
    let reads = 0;
    const counted = { read: (p: string) => kb.read(p), blobIds: (dir: string) => ((reads += 1), kb.blobIds(dir)) };
    const ok = await checkKbEvidence(run, { kbDir: kb.dir, kb: counted });
    expect(ok.map((c) => c.ok)).toEqual([true, true]);
    expect(reads).toBe(1);

    const git = testGit(kb.dir, repos.root);
    // A rewrite committed at HEAD while the work tree keeps the recorded bytes.
    await writeFile(path.join(kb.dir, DOC), 'rewritten\n');
    await git.raw(['commit', '-qam', 'tamper']);
    await writeFile(path.join(kb.dir, DOC), 'one\n');
    // A work-tree rewrite of the other document.
    await writeFile(path.join(kb.dir, DOC2), 'two, edited\n');
    const [first, second] = await checkKbEvidence(run, { kbDir: kb.dir, kb });
    expect(first).toMatchObject({ ok: false });
    expect(first?.detail).toContain('committed at HEAD differ');
    expect(second).toMatchObject({ ok: false });
    expect(second?.detail).toContain('bytes differ from the sha256');

    await git.raw(['rm', '-q', '--cached', '--', DOC]);
    await git.raw(['commit', '-qm', 'untrack']);
    const [gone] = await checkKbEvidence(run, { kbDir: kb.dir, kb });
    expect(gone?.detail).toContain('not committed at HEAD');
  });
});
