/**
 * `orchestrate verify --kb-only` (issue 9): an auditor with a clone of the KB and the trusted
 * keyring only. A finished run passes without its sidecar and without a database (none is made);
 * each tampering an auditor must catch — a report rewritten inside its own commit, an approval
 * deleted, a forged extra approval, the runs-index line deleted or edited — fails the check that
 * names it. PGlite and real PostgreSQL (with a database the DB rows are checked too).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { signApproval } from '../../../src/approval/approvalDocument.js';
import { loadKeyring } from '../../../src/approval/loadKeyring.js';
import { verify } from '../../../src/commands/verify.js';
import { InputError } from '../../../src/errors.js';
import { approvalDocumentName } from '../../../src/kb/runDocuments.js';
import { RUNS_INDEX_PATH } from '../../../src/kb/runsIndex.js';
import { utcDateStamp } from '../../../src/kb/utcStamp.js';
import { verifyKbOnly } from '../../../src/verify/verifyKbOnly.js';
import type { VerifyReport } from '../../../src/verify/VerifyCheck.js';
import { buildRun, sampleStatute, type RunWorkspace } from '../../support/buildRun.js';
import { describeEachEngineOnCopies, type RunCopy } from '../../support/cloneRun.js';
import { testGit } from '../../support/gitRepos.js';

const failed = (report: VerifyReport): string[] => report.checks.filter((c) => !c.ok).map((c) => c.check);
const row = (report: VerifyReport, check: string) => report.checks.find((c) => c.check === check);

const buildRuns = async (ws: RunWorkspace) => ({
  done: await buildRun(ws, { until: 'done' }),
  atSg1: await buildRun(ws, { until: 'SG1', document: sampleStatute('sample-kbonly') }),
});

/** verify from the KB and keyring alone (no database). */
const kbOnly = ({ ws }: RunCopy) => async (runId: string) => verifyKbOnly({ kb: ws.kb, keyring: await loadKeyring(ws.config.keyringDir), runId });

async function commitAll(ws: RunWorkspace, message: string): Promise<void> {
  const git = testGit(ws.kb.dir, ws.root);
  await git.raw(['add', '-A']);
  await git.commit(message);
}

describeEachEngineOnCopies('verify --kb-only', buildRuns, ({ data, test }) => {
  test('a finished run verifies from the KB and keyring alone: no sidecar (automatic, said so), no database made, run id without hyphens', async ({ copy, expect }) => {
    const { ws, db } = copy;
    const r = data().done;
    await rm(ws.config.sidecarsDir, { recursive: true, force: true });
    const nowhere = path.join(ws.root, 'no-db-here');
    const auditor = { ...ws.config, databaseUrl: undefined, pgliteDir: nowhere };
    const out = await verify({ config: auditor, runId: r.runId.replaceAll('-', ''), kb: ws.kb });
    expect(failed(out.json)).toEqual([]);
    expect(out.exitCode).toBe(0);
    expect(out.text).toContain('kb-only: no sidecar of the run');
    expect(existsSync(nowhere)).toBe(false);
    const names = out.json.checks.map((c) => c.check);
    for (const name of ['kb.run_folder', 'kb.revisions', 'approval.SG1', 'approval.SG2', 'chain.pins', 'chain.final_report', 'runs_index', 'source.manifest_digest', 'source.writer_digest']) {
      expect(names).toContain(name);
    }
    expect(names.filter((n) => n.startsWith('kb.document['))).toHaveLength(13);
    expect(out.json.checks.filter((c) => c.check.startsWith('db.')).every((c) => c.skipped === true)).toBe(true);
    expect(out.text).toMatch(/skip {2}db\./);
    expect(out.json).toMatchObject({ run_id: r.runId, state: 'done' });

    // With a database at hand the DB rows are checked too.
    const withDb = await verify({ config: ws.config, runId: r.runId, kbOnly: true, db, kb: ws.kb });
    expect(failed(withDb.json)).toEqual([]);
    expect(withDb.json.checks.find((c) => c.check === 'db.iu_content_hash')).toMatchObject({ ok: true });
    expect(withDb.json.checks.find((c) => c.check === 'db.iu_content_hash')?.skipped).toBeUndefined();
  });

  test('a report rewritten inside its own commit (history rewritten): one revision, but the final report\'s table no longer matches', async ({ copy, expect }) => {
    const { ws } = copy;
    const r = data().done;
    const cutplan = r.documents.cutplan as string;
    // As someone with push rights would: rewrite the commit that added the report, and every later one.
    execFileSync('git', ['filter-branch', '-f', '--tree-filter', `sed -i 's/parsed the region/parsed (rewritten) the region/' ${cutplan} || true`, 'HEAD'], {
      cwd: ws.kb.dir,
      env: { ...process.env, FILTER_BRANCH_SQUELCH_WARNING: '1', GIT_COMMITTER_NAME: 'Mallory', GIT_COMMITTER_EMAIL: 'mallory@example.org' },
      stdio: 'ignore',
    });
    expect(await readFile(path.join(ws.kb.dir, cutplan), 'utf8')).toContain('(rewritten)');
    const report = await kbOnly(copy)(r.runId);
    expect(row(report, 'kb.revisions')?.ok).toBe(true);
    expect(failed(report)).toContain('chain.final_report');
    expect(row(report, 'chain.final_report')?.detail).toContain(path.posix.basename(cutplan));
  });

  test('an approval deleted, or a forged extra approval committed after closeout, fails that gate', async ({ copy, expect }) => {
    const { ws } = copy;
    const r = data().done;
    const verifyIt = kbOnly(copy);
    const request = await readFile(path.join(ws.kb.dir, r.documents.SG1 as string));
    const sha = createHash('sha256').update(request).digest('hex');
    const forged = await signApproval({ gate: 'SG1', run_id: r.runId, request_sha256: sha, decision: 'approve', reason: 'added later' }, await readFile(ws.sovereignKeyFile, 'utf8'));
    await writeFile(path.join(ws.kb.dir, r.folder, approvalDocumentName('SG1', utcDateStamp(new Date()), 7)), forged);
    await commitAll(ws, 'a forged extra approval');
    const extra = await verifyIt(r.runId);
    expect(failed(extra)).toEqual(['approval.SG1']);
    expect(row(extra, 'approval.SG1')?.detail).toMatch(/final report does not list/);

    await rm(path.join(ws.kb.dir, r.approvals.SG2 as string));
    await commitAll(ws, 'the SG2 approval deleted');
    const deleted = await verifyIt(r.runId);
    expect(failed(deleted)).toEqual(expect.arrayContaining(['approval.SG2', 'chain.final_report']));
    expect(row(deleted, 'approval.SG2')?.detail).toMatch(/without a valid committed approval/);
  });

  test('the runs-index line deleted or edited fails runs_index', async ({ copy, expect }) => {
    const { ws } = copy;
    const r = data().done;
    const file = path.join(ws.kb.dir, RUNS_INDEX_PATH);
    const original = await readFile(file, 'utf8');
    const compact = r.runId.replaceAll('-', '');
    const line = original.split('\n').find((l) => l.includes(compact));
    if (line === undefined) throw new Error('no runs-index line for the run');

    await writeFile(file, original.replace(`${line}\n`, ''));
    await commitAll(ws, 'drop the line');
    const dropped = await kbOnly(copy)(r.runId);
    expect(failed(dropped)).toEqual(['runs_index']);
    expect(row(dropped, 'runs_index')?.detail).toMatch(/exactly one runs-index line/);

    await writeFile(file, original.replace(line, line.replace(' · `done` · ', ' · `voided` · ')));
    await commitAll(ws, 'edit the line');
    const edited = await kbOnly(copy)(r.runId);
    expect(failed(edited)).toEqual(['runs_index']);
    expect(row(edited, 'runs_index')?.detail).toMatch(/state is voided/);
  });

  test('the plan is re-derived from the KB as the run cut it: a vocabulary edited after the run is not tampering of the old run', async ({ copy, expect }) => {
    const { ws } = copy;
    const r = data().done;
    const lawDir = path.join(ws.kb.dir, 'knowledge', 'dev', 'laws', r.lawId);
    const vocab = (await readdir(lawDir)).find((n) => n.endsWith('.yaml') && n !== 'document.yaml');
    if (vocab === undefined) throw new Error(`no vocabulary file in ${lawDir}`);
    const text = await readFile(path.join(lawDir, vocab), 'utf8');
    const edited = text.replace(/^description: .*$/m, 'description: edited after the run, for the next version');
    expect(edited).not.toBe(text);
    await writeFile(path.join(lawDir, vocab), edited);
    await commitAll(ws, 'the vocabulary is edited for the next version');
    const report = await kbOnly(copy)(r.runId);
    expect(failed(report)).toEqual([]);
    expect(row(report, 'source.manifest_digest')?.ok).toBe(true);
  });

  test('a run waiting at SG1 verifies from its folder (no runs-index line); an unknown run id is bad input', async ({ copy, expect }) => {
    const r = data().atSg1;
    const report = await kbOnly(copy)(r.runId);
    expect(failed(report)).toEqual([]);
    expect(report).toMatchObject({ ok: true, state: 'awaiting_sg1', kb_folder: r.folder });
    await expect(kbOnly(copy)('01900000-0000-7000-8000-000000000000')).rejects.toBeInstanceOf(InputError);
    await expect(kbOnly(copy)('not-a-run')).rejects.toBeInstanceOf(InputError);
  });
});
