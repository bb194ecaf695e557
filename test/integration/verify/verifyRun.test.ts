/**
 * `orchestrate verify`: a complete run built from real data passes every check; one tampering per
 * check group makes exactly that group's check(s) fail. On PGlite and real PostgreSQL. The runs are
 * built once per engine; every test verifies (and tampers with) its own copy of them (cloneRun.ts).
 */
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { verify } from '../../../src/commands/verify.js';
import type { Database } from '../../../src/db/Database.js';
import { InputError } from '../../../src/errors.js';
import { runDocumentName } from '../../../src/kb/runDocuments.js';
import { utcDateStamp } from '../../../src/kb/utcStamp.js';
import { verifyRun } from '../../../src/verify/verifyRun.js';
import type { VerifyReport } from '../../../src/verify/VerifyCheck.js';
import { completeRun, readSidecarJson, RUN_SOURCE, type RunWorkspace } from '../../support/completedRun.js';
import { describeEachEngineOnCopies, type RunCopy } from '../../support/cloneRun.js';
import { testGit } from '../../support/gitRepos.js';

const failed = (report: VerifyReport): string[] => report.checks.filter((c) => !c.ok).map((c) => c.check);
const row = (report: VerifyReport, check: string) => report.checks.find((c) => c.check === check);

/** Built once per engine: a finished run and a run stopped at SG1, in one workspace that every test copies. */
const buildRuns = async (ws: RunWorkspace, db: Database) => ({
  done: await completeRun(ws, { db, docPrefix: 'READERS' }),
  atSg1: await completeRun(ws, { db, docPrefix: 'READERS-SG1', until: 'SG1' }),
});

const checker = ({ ws, db }: RunCopy) => (runId: string) => verifyRun({ config: ws.config, runId, db, kb: ws.kb });

describeEachEngineOnCopies('verify a run', buildRuns, ({ data, test }) => {
  test('a complete run passes every check, in every group', async ({ copy, expect }) => {
    const { ws, db } = copy;
    const check = checker(copy);
    const r = data().done;
    const report = await check(r.runId);
    expect(failed(report)).toEqual([]);
    expect(report).toMatchObject({ ok: true, run_id: r.runId, state: 'done' });
    const names = report.checks.map((c) => c.check);
    expect(names.filter((n) => n.startsWith('kb.document['))).toHaveLength(13);
    for (const name of ['sidecar.parse', 'sidecar.key_chain', 'kb.run_folder', 'kb.final_report', 'approval.SG1', 'approval.SG2', 'source.version', 'source.manifest_digest',
      'db.source_version', 'db.change_set', 'db.writer_digest', 'db.iu_content_hash', 'db.manifest_envelope', 'db.verify_result', 'db.review_decision', 'db.lifecycle', 'lossless.region', 'backup.file']) {
      expect(names).toContain(name);
    }
    expect(row(report, 'db.change_set')?.observed).toBe(`${r.plan.length} IU rows`);
    expect(row(report, 'db.lifecycle')?.observed).toBe(`${r.plan.length} in_force`);
    expect(row(report, 'db.writer_digest')?.observed).toBe(r.ctx.context_pins.writer_digest);

    const out = await verify({ config: ws.config, runId: r.runId, db, kb: ws.kb });
    expect(out.exitCode).toBe(0);
    expect(out.text).toContain('every check passed');
    expect(out.json.ok).toBe(true);
  });

  test('a document rewritten in a new commit: 2 revisions and a sha mismatch, only on that document', async ({ copy, expect }) => {
    const { ws, db } = copy;
    const check = checker(copy);
    const r = data().done;
    const markDoc = r.documents.mark as string;
    await appendFile(path.join(ws.kb.dir, markDoc), '\nedited after upload\n');
    const git = testGit(ws.kb.dir, ws.root);
    await git.add([markDoc]);
    await git.commit('rewrite a run document', [markDoc]);
    const report = await check(r.runId);
    const name = `kb.document[${runDocumentName('mark', utcDateStamp(new Date(r.ctx.created_at)))}]`;
    expect(failed(report)).toEqual([name]);
    expect(row(report, name)?.detail).toMatch(/2 revisions/);
    expect(row(report, name)?.detail).toMatch(/bytes differ/);

    const out = await verify({ config: ws.config, runId: r.runId, db, kb: ws.kb });
    expect(out.exitCode).toBe(20);
    expect(out.text).toContain(`failed: ${name}`);
  });

  test('an IU text altered in the DB by a superuser fails the content hash and the lossless check', async ({ copy, expect }) => {
    const { db } = copy;
    const check = checker(copy);
    const r = data().done;
    await db.transaction(async (tx) => {
      await tx.query('SET LOCAL session_replication_role = replica');
      await tx.query("UPDATE cutter.iu SET text = text || ' (amended)' WHERE change_set_id = $1 AND seq = 3", [r.ctx.context_pins.change_set_id]);
    });
    const report = await check(r.runId);
    expect(failed(report)).toEqual(['db.iu_content_hash', 'lossless.region']);
    expect(row(report, 'db.iu_content_hash')?.detail).toContain(r.plan[2]?.canonical_address);
  });

  test('an edited sidecar key breaks the key chain only', async ({ copy, expect }) => {
    const { ws } = copy;
    const check = checker(copy);
    const r = data().done;
    const json = await readSidecarJson(ws, r.runId);
    (json['keys'] as Record<string, string>)['mark'] = 'f'.repeat(64);
    await writeFile(path.join(ws.config.sidecarsDir, `${r.runId}.json`), JSON.stringify(json, null, 2));
    const report = await check(r.runId);
    expect(failed(report)).toEqual(['sidecar.key_chain']);
    expect(row(report, 'sidecar.key_chain')?.detail).toMatch(/keys\.mark: persisted key differs/);
    expect(row(report, 'sidecar.key_chain')?.detail).toMatch(/keys\.closeout/);
  });

  test('a removed approval fails that gate only', async ({ copy, expect }) => {
    const { ws } = copy;
    const check = checker(copy);
    const r = data().done;
    const git = testGit(ws.kb.dir, ws.root);
    await git.rm([r.approvals.SG2 as string]);
    await git.commit('remove the SG2 approval', [r.approvals.SG2 as string]);
    const report = await check(r.runId);
    expect(failed(report)).toEqual(['approval.SG2']);
    expect(row(report, 'approval.SG2')?.detail).toMatch(/missing from the run folder/);
  });

  test('a changed backup file fails the backup check only', async ({ copy, expect }) => {
    const { ws } = copy;
    const check = checker(copy);
    const r = data().done;
    await appendFile(path.join(ws.config.sidecarsDir, `${r.runId}.backup.gpg`), Buffer.from([0]));
    const report = await check(r.runId);
    expect(failed(report)).toEqual(['backup.file']);
    expect(row(report, 'backup.file')?.expected).toBe(r.ctx.context_pins.backup_sha);
  });

  test('a run stopped at SG1 is checked for what it recorded; a stray file in its folder fails the folder check', async ({ copy, expect }) => {
    const { ws } = copy;
    const check = checker(copy);
    const r = data().atSg1;
    const report = await check(r.runId);
    expect(failed(report)).toEqual([]);
    expect(report.state).toBe('awaiting_sg1');
    expect(report.checks.filter((c) => c.check.startsWith('kb.document['))).toHaveLength(6);
    expect(report.checks.map((c) => c.check)).not.toContain('db.change_set');
    await ws.kb.upload(`${r.folder}/notes.md`, 'a file no run uploaded\n', 'stray file');
    const again = await check(r.runId);
    expect(failed(again)).toEqual(['kb.run_folder']);
    expect(row(again, 'kb.run_folder')?.detail).toContain('notes.md');
  });

  test('a voided run may hold a VOID document; any other run may not', async ({ copy, expect }) => {
    const { ws } = copy;
    const check = checker(copy);
    const r = data().atSg1;
    await ws.kb.upload(`${r.folder}/VOID-${r.runId}.md`, `# Void of run ${r.runId}\n`, 'sovereign void');
    expect(failed(await check(r.runId))).toEqual(['kb.run_folder']);
    const json = await readSidecarJson(ws, r.runId);
    await writeFile(path.join(ws.config.sidecarsDir, `${r.runId}.json`), JSON.stringify({ ...json, state: 'voided' }, null, 2));
    const report = await check(r.runId);
    expect(report.state).toBe('voided');
    expect(failed(report)).toEqual([]);
  });

  test('after a newer source version is cut, the older run still verifies (drift reported, IUs superseded)', async ({ copy, expect }) => {
    const { ws, db } = copy;
    const check = checker(copy);
    const v1 = data().done;
    const original = await readFile(RUN_SOURCE, 'utf8');
    const edited = original.replace('spirit of openness', 'spirit of welcome');
    expect(edited).not.toBe(original);
    const v2 = await completeRun(ws, { db, docPrefix: 'READERS', sourceText: edited });
    const old = await check(v1.runId);
    expect(failed(old)).toEqual([]);
    expect(row(old, 'source.version')?.detail).toMatch(/drift, not tampering: a newer source version/);
    expect(row(old, 'db.lifecycle')?.detail).toContain(`run ${v2.runId}`);
    expect(row(old, 'lossless.region')?.observed).toBe('identical');
    const current = await check(v2.runId);
    expect(failed(current)).toEqual([]);
  });

  test('an unknown or malformed run id is bad input', async ({ copy, expect }) => {
    const check = checker(copy);
    await expect(check('01900000-0000-7000-8000-000000000000')).rejects.toBeInstanceOf(InputError);
    await expect(check('../etc/passwd')).rejects.toBeInstanceOf(InputError);
  });
});
