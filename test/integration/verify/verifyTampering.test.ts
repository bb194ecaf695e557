/**
 * `orchestrate verify`, more tamperings: governance rows, a consistent IU rewrite, a lifecycle
 * moved without a decision, a broken approval signature, a keyring that no longer trusts the
 * signer, an uncommitted source edit, a missing document, an unreadable sidecar, a database that
 * cannot be read — and the command opening the database and KB from the configuration. The run is
 * built once per engine; every test tampers with its own copy of it (cloneRun.ts).
 */
import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { verify } from '../../../src/commands/verify.js';
import type { Database } from '../../../src/db/Database.js';
import { openPglite } from '../../../src/db/openPglite.js';
import { openPostgres } from '../../../src/db/openPostgres.js';
import { verifyRun } from '../../../src/verify/verifyRun.js';
import type { VerifyReport } from '../../../src/verify/VerifyCheck.js';
import { completeRun, readSidecarJson, type RunWorkspace } from '../../support/completedRun.js';
import { describeEachEngineOnCopies, type RunCopy } from '../../support/cloneRun.js';
import { testGit } from '../../support/gitRepos.js';
import { createTestDatabase } from '../../support/realPg.js';
import { makeKeyringDir, makeSovereign } from '../../support/sovereignKeys.js';

const failed = (report: VerifyReport): string[] => report.checks.filter((c) => !c.ok).map((c) => c.check);
const row = (report: VerifyReport, check: string) => report.checks.find((c) => c.check === check);
const sha = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

/** Built once per engine: one finished run that every test copies and tampers with on its own. */
const buildRun = async (ws: RunWorkspace, db: Database) => completeRun(ws, { db, docPrefix: 'READERS' });
const checker = ({ ws, db }: RunCopy) => (runId: string, config = ws.config) => verifyRun({ config, runId, db, kb: ws.kb });
const asSuperuser = (db: Database, sql: string, params: unknown[]) =>
  db.transaction(async (tx) => {
    await tx.query('SET LOCAL session_replication_role = replica');
    await tx.query(sql, params);
  });

describeEachEngineOnCopies('verify detects tampering', buildRun, ({ engine, data, test }) => {
  test('altered governance rows: verify_result outcome and review_decision approval sha', async ({ copy, expect }) => {
    const { db } = copy;
    const check = checker(copy);
    const r = data();
    await asSuperuser(db, "UPDATE cutter_governance.verify_result SET outcome = 'FAIL' WHERE id = $1", [r.ctx.context_pins.verify_result_id]);
    await asSuperuser(db, 'UPDATE cutter_governance.review_decision SET approval_sha256 = $2 WHERE id = $1', [r.ctx.context_pins.review_decision_id, sha('another file')]);
    const report = await check(r.runId);
    expect(failed(report)).toEqual(['db.verify_result', 'db.review_decision']);
    expect(row(report, 'db.verify_result')?.detail).toContain('outcome: expected PASS, found FAIL');
    expect(row(report, 'db.review_decision')?.detail).toContain('approval_sha256');
  });

  test('an IU rewritten with a matching content hash changes the re-derived writer digest', async ({ copy, expect }) => {
    const { db } = copy;
    const check = checker(copy);
    const r = data();
    const text = 'A forged article text.\n\n';
    await asSuperuser(db, 'UPDATE cutter.iu SET text = $2, content_hash = $3 WHERE change_set_id = $1 AND seq = 5', [r.ctx.context_pins.change_set_id, text, sha(text)]);
    const report = await check(r.runId);
    expect(failed(report)).toEqual(['db.writer_digest', 'lossless.region']);
  });

  test('IUs superseded without a later review decision', async ({ copy, expect }) => {
    const { db } = copy;
    const check = checker(copy);
    const r = data();
    await asSuperuser(db, "UPDATE cutter.iu SET lifecycle_state = 'superseded' WHERE change_set_id = $1", [r.ctx.context_pins.change_set_id]);
    const report = await check(r.runId);
    expect(failed(report)).toEqual(['db.lifecycle']);
    expect(row(report, 'db.lifecycle')?.detail).toMatch(/no later review decision/);
  });

  test('an approval edited after signing, in a new commit', async ({ copy, expect }) => {
    const { ws } = copy;
    const check = checker(copy);
    const r = data();
    const file = path.join(ws.kb.dir, r.approvals.SG1 as string);
    await writeFile(file, (await readFile(file, 'utf8')).replace('decision: "approve"', 'decision: "approve" '));
    const git = testGit(ws.kb.dir, ws.root);
    await git.add([r.approvals.SG1 as string]);
    await git.commit('edit the approval', [r.approvals.SG1 as string]);
    const report = await check(r.runId);
    expect(failed(report)).toEqual(['approval.SG1']);
    expect(row(report, 'approval.SG1')?.detail).toMatch(/2 revisions/);
    expect(row(report, 'approval.SG1')?.detail).toMatch(/bytes differ/);
  });

  test('a keyring that does not hold the signer refuses both approvals', async ({ copy, expect }) => {
    const { ws } = copy;
    const check = checker(copy);
    const r = data();
    const stranger = await makeSovereign({ name: 'Someone Else' });
    const keyringDir = await makeKeyringDir([stranger.publicKeyArmored]);
    try {
      const report = await check(r.runId, { ...ws.config, keyringDir });
      expect(failed(report)).toEqual(['approval.SG1', 'approval.SG2']);
      expect(row(report, 'approval.SG1')?.detail).toMatch(/untrusted_key/);
    } finally {
      await rm(keyringDir, { recursive: true, force: true });
    }
  });

  test('an uncommitted edit of the source fails the source check only', async ({ copy, expect }) => {
    const { ws } = copy;
    const check = checker(copy);
    const r = data();
    const file = path.join(ws.kb.dir, `knowledge/dev/laws/${r.lawId}/source.txt`);
    const original = await readFile(file);
    await writeFile(file, Buffer.concat([original, Buffer.from('\nappended locally\n')]));
    try {
      const report = await check(r.runId);
      expect(failed(report)).toEqual(['source.version']);
      expect(row(report, 'source.version')?.detail).toMatch(/uncommitted changes/);
      expect(row(report, 'lossless.region')?.ok).toBe(true);
    } finally {
      await writeFile(file, original);
    }
  });

  test('a document removed from a done run fails the folder and that document', async ({ copy, expect }) => {
    const { ws } = copy;
    const check = checker(copy);
    const r = data();
    const doc = r.documents.grant_probe as string;
    const git = testGit(ws.kb.dir, ws.root);
    await git.rm([doc]);
    await git.commit('remove a run document', [doc]);
    const report = await check(r.runId);
    const name = doc.split('/').pop() as string;
    expect(failed(report)).toEqual(['kb.run_folder', `kb.document[${name}]`]);
    expect(row(report, 'kb.run_folder')?.detail).toContain(`${name} is missing`);
  });

  test('a sidecar upload record naming another commit fails that document', async ({ copy, expect }) => {
    const { ws } = copy;
    const check = checker(copy);
    const r = data();
    const json = await readSidecarJson(ws, r.runId);
    const uploads = json['uploads'] as { name: string; commit: string }[];
    const cutplan = uploads[2] as { name: string; commit: string };
    cutplan.commit = (uploads[3] as { commit: string }).commit;
    await writeFile(path.join(ws.config.sidecarsDir, `${r.runId}.json`), JSON.stringify(json, null, 2));
    const report = await check(r.runId);
    expect(failed(report)).toEqual([`kb.document[${cutplan.name}]`]);
    expect(row(report, `kb.document[${cutplan.name}]`)?.detail).toMatch(/^added by commit [0-9a-f]{40}, the sidecar recorded/);
  });

  test('an unreadable sidecar is one failed check and exit 20', async ({ copy, expect }) => {
    const { ws, db } = copy;
    const r = data();
    await writeFile(path.join(ws.config.sidecarsDir, `${r.runId}.json`), '{ "schema_version": 1, ');
    const out = await verify({ config: ws.config, runId: r.runId, db, kb: ws.kb });
    expect(out.exitCode).toBe(20);
    expect(out.json).toMatchObject({ ok: false, state: 'unreadable' });
    expect(failed(out.json)).toEqual(['sidecar.parse']);
    expect(out.text).toContain('FAIL  sidecar.parse: (root): not valid JSON');
  });

  test('a database without the schema is reported as db.read, the other groups still run', async ({ copy, expect }) => {
    const { ws } = copy;
    const r = data();
    // An empty database of the suite's own engine (a fresh PostgreSQL database is much cheaper than a second PGlite initdb).
    const emptyPg = engine === 'postgres' ? await createTestDatabase() : undefined;
    const empty = emptyPg === undefined ? await openPglite('memory://') : await openPostgres(emptyPg.url);
    try {
      const report = await verifyRun({ config: ws.config, runId: r.runId, db: empty, kb: ws.kb });
      expect(failed(report)).toEqual(['db.read', 'lossless.region']);
      expect(report.checks.filter((c) => c.check.startsWith('kb.document[') && c.ok)).toHaveLength(13);
    } finally {
      await empty.close();
      await emptyPg?.drop();
    }
  });

  test('the command opens the KB and the database from the configuration and scrubs secrets', async ({ copy, expect }) => {
    const { ws } = copy;
    const r = data();
    // The copy's PGlite lives in the workspace directory; the command opens it itself, so the test's handle must let go of its lock.
    await copy.closeDb();
    const out = await verify({ config: { ...ws.config, databaseUrl: copy.url, secrets: [r.lawId] }, runId: r.runId });
    expect(out.exitCode).toBe(0);
    expect(out.json.checks.length).toBeGreaterThan(25);
    const json = JSON.stringify(out.json);
    expect(json).not.toContain(r.lawId);
    expect(row(out.json, 'kb.run_folder')?.observed).toContain('knowledge/dev/laws/***/');
  });
});
