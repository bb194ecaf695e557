/**
 * `orchestrate verify`: a complete run built from real data passes every check; one tampering per
 * check group makes exactly that group's check(s) fail. On PGlite and real PostgreSQL. The runs are
 * built once per engine; every test verifies (and tampers with) its own copy of them (cloneRun.ts).
 */
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { verify } from '../../../src/commands/verify.js';
import { InputError } from '../../../src/errors.js';
import { runDocumentName } from '../../../src/kb/runDocuments.js';
import { RUNS_INDEX_PATH } from '../../../src/kb/runsIndex.js';
import { utcDateStamp } from '../../../src/kb/utcStamp.js';
import { verifyRun } from '../../../src/verify/verifyRun.js';
import type { VerifyReport } from '../../../src/verify/VerifyCheck.js';
import { buildRun, readSidecarJson, sampleStatute, SAMPLE_STATUTE, writeSidecarJson, type RunWorkspace } from '../../support/buildRun.js';
import { describeEachEngineOnCopies, type RunCopy } from '../../support/cloneRun.js';
import { testGit } from '../../support/gitRepos.js';

const failed = (report: VerifyReport): string[] => report.checks.filter((c) => !c.ok).map((c) => c.check);
const row = (report: VerifyReport, check: string) => report.checks.find((c) => c.check === check);
/** The checks a sidecar whose `writer_digest` pin was edited fails (the DB rows, the KB reports and the key chain still carry the real one). */
const FAILED_ON_PIN_EDIT = ['sidecar.key_chain', 'source.writer_digest', 'db.change_set', 'db.writer_digest', 'db.manifest_envelope', 'db.verify_result'];

/** Built once per engine by the real pipeline: a finished run and a run paused at SG1 (another document), in one workspace that every test copies. */
const buildRuns = async (ws: RunWorkspace) => ({
  done: await buildRun(ws, { until: 'done' }),
  atSg1: await buildRun(ws, { until: 'SG1', document: sampleStatute('sample-sg1') }),
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
    expect(row(report, 'db.writer_digest')?.observed).toBe(r.view.pins.writer_digest);

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
    const name = `kb.document[${runDocumentName('mark', utcDateStamp(new Date(r.view.created_at)))}]`;
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
      await tx.query("UPDATE cutter.iu SET text = text || ' (amended)' WHERE change_set_id = $1 AND seq = 3", [r.changeSetId]);
    });
    const report = await check(r.runId);
    expect(failed(report)).toEqual(['db.iu_content_hash', 'lossless.region']);
    expect(row(report, 'db.iu_content_hash')?.detail).toContain(r.plan[2]?.canonical_address);
  });

  test('an edited sidecar key breaks the key chain only', async ({ copy, expect }) => {
    const { ws } = copy;
    const check = checker(copy);
    const r = data().done;
    const json = await readSidecarJson(ws, r.runId) as { snapshot: { context: { keys: Record<string, string> } } };
    json.snapshot.context.keys['mark'] = 'f'.repeat(64);
    await writeSidecarJson(ws, r.runId, json);
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
    expect(row(report, 'approval.SG2')?.detail).toMatch(/is not committed at HEAD in the run folder/);
  });

  test('a changed backup file fails the backup check only', async ({ copy, expect }) => {
    const { ws } = copy;
    const check = checker(copy);
    const r = data().done;
    await appendFile(path.join(ws.config.sidecarsDir, `${r.runId}.backup.gpg`), Buffer.from([0]));
    const report = await check(r.runId);
    expect(failed(report)).toEqual(['backup.file']);
    expect(row(report, 'backup.file')?.expected).toBe(r.view.pins.backup_sha);
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
    await writeSidecarJson(ws, r.runId, { ...json, voided: { at: new Date().toISOString(), void_document: `${r.folder}/VOID-${r.runId}.md`, change_set_void_id: null } });
    const report = await check(r.runId);
    expect(report.state).toBe('voided');
    expect(failed(report)).toEqual([]);
  });

  test('after a newer source version is cut, the older run still verifies (drift reported, IUs superseded)', async ({ copy, expect }) => {
    const { ws } = copy;
    // The pipeline opens the workspace's database itself (PGlite allows one process): verify through the configuration too.
    await copy.closeDb();
    const check = (runId: string) => verifyRun({ config: ws.config, runId, kb: ws.kb });
    const v1 = data().done;
    const original = await readFile(SAMPLE_STATUTE.source, 'utf8');
    const edited = original.replace('interpreted in favour of disclosure', 'interpreted in favour of openness');
    expect(edited).not.toBe(original);
    const v2 = await buildRun(ws, { until: 'done', sourceText: edited });
    const old = await check(v1.runId);
    expect(failed(old)).toEqual([]);
    expect(row(old, 'source.version')?.detail).toMatch(/drift, not tampering: a newer source version/);
    expect(row(old, 'db.lifecycle')?.detail).toContain(`run ${v2.runId}`);
    expect(row(old, 'lossless.region')?.observed).toBe('identical');
    const current = await check(v2.runId);
    expect(failed(current)).toEqual([]);
  });

  test('a pin edited in the sidecar snapshot (nothing else) fails verify: the key chain, the KB and the DB no longer agree with it', async ({ copy, expect }) => {
    const { ws, db } = copy;
    const r = data().done;
    const json = await readSidecarJson(ws, r.runId) as { snapshot: { context: { pins: Record<string, string> } } };
    const pinned = json.snapshot.context.pins['writer_digest'];
    expect(pinned).toBe(r.view.pins.writer_digest);
    json.snapshot.context.pins['writer_digest'] = 'e'.repeat(64);
    await writeSidecarJson(ws, r.runId, json);
    const out = await verify({ config: ws.config, runId: r.runId, db, kb: ws.kb });
    expect(out.exitCode).toBe(20);
    expect(out.json.ok).toBe(false);
    // …and the signed chain (issue 9): the SG1/SG2 requests the sovereigns signed name the real digest.
    expect(failed(out.json)).toEqual([...FAILED_ON_PIN_EDIT, 'chain.sidecar']);
    expect(out.text).toContain(`failed: ${[...FAILED_ON_PIN_EDIT, 'chain.sidecar'].join(', ')}`);
    expect(out.json.checks.find((c) => c.check === 'chain.sidecar')?.detail).toContain(`writer_digest: the sidecar says ${'e'.repeat(64)}, the signed chain says ${pinned}`);
  });

  test('a backup swapped with its sidecar pin rewritten fails against the signed SG1 request (chain.sidecar), whatever the key chain says', async ({ copy, expect }) => {
    const { ws, db } = copy;
    const r = data().done;
    const json = await readSidecarJson(ws, r.runId) as { snapshot: { context: { pins: Record<string, string> } } };
    json.snapshot.context.pins['backup_sha'] = 'b'.repeat(64);
    await writeSidecarJson(ws, r.runId, json);
    const out = await verify({ config: ws.config, runId: r.runId, db, kb: ws.kb });
    expect(out.exitCode).toBe(20);
    expect(failed(out.json)).toContain('chain.sidecar');
    expect(out.json.checks.find((c) => c.check === 'chain.sidecar')?.detail).toContain(`backup_sha: the sidecar says ${'b'.repeat(64)}`);
  });

  test('verify (with the sidecar) also checks the runs-index line and the final report table', async ({ copy, expect }) => {
    const { ws, db } = copy;
    const r = data().done;
    const clean = await verify({ config: ws.config, runId: r.runId, db, kb: ws.kb });
    expect(failed(clean.json)).toEqual([]);
    for (const name of ['chain.pins', 'chain.final_report', 'runs_index', 'chain.sidecar']) expect(clean.json.checks.map((c) => c.check)).toContain(name);
    const file = path.join(ws.kb.dir, RUNS_INDEX_PATH);
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.split('\n').filter((l) => !l.includes(r.runId.replaceAll('-', ''))).join('\n'));
    const git = testGit(ws.kb.dir, ws.root);
    await git.add([RUNS_INDEX_PATH]);
    await git.commit('drop the run\'s runs-index line', [RUNS_INDEX_PATH]);
    const out = await verify({ config: ws.config, runId: r.runId, db, kb: ws.kb });
    expect(failed(out.json)).toEqual(['runs_index']);
  });

  test('an unknown or malformed run id is bad input', async ({ copy, expect }) => {
    const check = checker(copy);
    await expect(check('01900000-0000-7000-8000-000000000000')).rejects.toBeInstanceOf(InputError);
    await expect(check('../etc/passwd')).rejects.toBeInstanceOf(InputError);
  });
});
