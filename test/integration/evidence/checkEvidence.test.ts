/**
 * The evidence checker on a real run stopped after leg A (UDHR, real KB, real DB rows): every pinned
 * value passes; a tampering fails exactly the check that covers it, and that check names itself;
 * without a database (or a sidecar directory) those checks are skipped, not failed; a complete run's
 * expectations fail on every missing pin. On PGlite and real PostgreSQL.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { expect, test } from 'vitest';
import { loadDocument } from '../../../src/documents/loadDocument.js';
import { checkEvidence, describeFailures, failedChecks, shortDigests } from '../../../src/evidence/checkEvidence.js';
import { evidenceRunOf, type EvidenceRun, type EvidenceSources } from '../../../src/evidence/EvidenceRun.js';
import { StopError } from '../../../src/errors.js';
import { checkReplay } from '../../../src/orchestrator/checkReplay.js';
import { buildRun, type BuiltRun, type RunWorkspace } from '../../support/buildRun.js';
import { describeEachEngineOnCopies, type RunCopy } from '../../support/cloneRun.js';
import type { Database } from '../../../src/db/Database.js';
import { writerDigest } from '../../../src/cutter/writerDigest.js';
import { readBackIus } from '../../../src/ledger/readBackIus.js';
import { findVerifyResult } from '../../../src/ledger/VerifyRecorder.js';
import { loadKeyring } from '../../../src/approval/loadKeyring.js';
import { writeVerify } from '../../../src/orchestrator/phases/writePhases.js';
import type { PhaseDeps } from '../../../src/orchestrator/PhaseDeps.js';
import { parseCutContext } from '../../../machines/cutContextSchema.js';

test('shortDigests shortens every sha256 in a message and nothing else', () => {
  const d = 'a'.repeat(64);
  expect(shortDigests(`sha256 ${d}, id 0190aaaa-0000-7000-8000-000000000000`)).toBe(`sha256 ${'a'.repeat(16)}…, id 0190aaaa-0000-7000-8000-000000000000`);
});

/** Built once per engine by the real pipeline: a run stopped right after leg A (its change set written, no envelope yet). */
const buildRuns = async (ws: RunWorkspace) => ({ legA: await buildRun(ws, { until: 'leg_a' }) });

describeEachEngineOnCopies('the evidence checker', buildRuns, ({ data, test }) => {
  let ws: RunWorkspace;
  let db: Database;
  let built: BuiltRun;
  let run: EvidenceRun;
  const use = (copy: RunCopy): void => {
    ws = copy.ws;
    db = copy.db;
    built = data().legA;
    run = evidenceRunOf(built.view);
  };
  const sources = (): EvidenceSources => ({ kbDir: ws.kb.dir, kb: ws.kb, db });
  const asSuperuser = (sql: string, params: unknown[]) =>
    db.transaction(async (tx) => {
      await tx.query('SET LOCAL session_replication_role = replica');
      await tx.query(sql, params);
    });

  test('every pin set so far passes (the backup, without a sidecar directory, is skipped); each check names itself; the IU rows are returned', async ({ copy }) => {
    use(copy);
    const evidence = await checkEvidence(run, sources());
    expect(failedChecks(evidence.checks)).toEqual([]);
    expect(evidence.checks.map((c) => c.check)).toEqual([
      'source.version', 'source.manifest_digest', 'source.region_sha', 'source.writer_digest',
      ...built.view.uploads.map((u) => `kb.document[${u.name}]`),
      'backup.file',
      'db.source_version', 'db.change_set_void', 'db.change_set', 'db.writer_digest', 'db.iu_content_hash',
    ]);
    expect(evidence.checks.find((c) => c.check === 'db.change_set')?.observed).toBe(`${built.plan.length} IU rows`);
    expect(evidence.ius).toHaveLength(built.plan.length);
    expect(evidence.mark?.regionSha).toBe(run.pins.region_sha);
  });

  test('write_verify derives the writer digest in the database over the stored rows: the same digest as writerDigest of the rows read back; a pin that differs records FAIL and stops STOP_WRITE_VERIFY', async ({ copy }) => {
    use(copy);
    const parsed = parseCutContext((built.sidecar.snapshot as { context?: unknown } | null)?.context);
    if (!parsed.ok) throw new Error('the built run has no context');
    const v = built.view;
    const deps: PhaseDeps = {
      config: ws.config, db, kb: ws.kb,
      run: { run_id: v.run_id, document_id: v.document_id, law_id: v.law_id, doc_prefix: v.doc_prefix, source_version_id: v.source_version_id, kb_folder: v.kb_folder, actor: v.actor },
      keyring: () => loadKeyring(ws.config.keyringDir, { kbRoot: ws.config.kbDir }),
      clock: () => new Date(),
      progress: { stepStarted: () => undefined, stepDone: () => undefined, stepFailed: () => undefined },
    };
    const changeSetId = v.pins.change_set_id as string;
    const fromRows = writerDigest(await readBackIus(db, changeSetId));
    expect(fromRows).toBe(v.pins.writer_digest);
    const wrong = 'f'.repeat(64);
    let thrown: unknown;
    try {
      await writeVerify(deps, { context: { ...parsed.context, pins: { ...parsed.context.pins, writer_digest: wrong } } } as never);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(StopError);
    expect(thrown).toMatchObject({ code: 'STOP_WRITE_VERIFY' });
    expect(await findVerifyResult(db, changeSetId)).toMatchObject({ outcome: 'FAIL', derived_writer_digest: fromRows, iu_count: built.plan.length });
  });

  test('without a database the DB checks are skipped (not failed); without a sidecar directory the backup check is', async ({ copy }) => {
    use(copy);
    const withDb = await checkEvidence(run, sources());
    const kbOnly: EvidenceSources = { kbDir: ws.kb.dir, kb: ws.kb };
    const backupPinned = await checkEvidence(run, kbOnly);
    const dbRows = backupPinned.checks.filter((c) => c.check.startsWith('db.'));
    expect(dbRows.map((c) => c.check)).toEqual(withDb.checks.filter((c) => c.check.startsWith('db.')).map((c) => c.check));
    for (const row of dbRows) expect(row).toMatchObject({ ok: true, skipped: true, observed: '(not checked)', detail: 'skipped: no database given' });
    expect(backupPinned.ius).toBeUndefined();
    // the run pinned a backup_sha: it is skipped without sidecarsDir, failed when the file is missing.
    expect(backupPinned.checks.find((c) => c.check === 'backup.file')).toMatchObject({ ok: true, skipped: true, expected: run.pins.backup_sha });
    const present = await checkEvidence(run, { ...kbOnly, sidecarsDir: ws.config.sidecarsDir });
    expect(failedChecks(present.checks)).toEqual([]);
    const missing = await checkEvidence(run, { ...kbOnly, sidecarsDir: `${ws.root}/no-sidecars-here` });
    expect(failedChecks(missing.checks).map((c) => c.check)).toEqual(['backup.file']);
  });

  test('an IU text altered by a superuser fails db.iu_content_hash only, naming the IU', async ({ copy }) => {
    use(copy);
    const changeSetId = built.changeSetId ?? '';
    const before = await db.query<{ canonical_address: string; text: string }>('SELECT canonical_address, text FROM cutter.iu WHERE change_set_id = $1 AND seq = 4', [changeSetId]);
    const iu = before.rows[0];
    if (iu === undefined) throw new Error('no IU at seq 4');
    await asSuperuser("UPDATE cutter.iu SET text = text || ' (tampered)' WHERE change_set_id = $1 AND seq = 4", [changeSetId]);
    try {
      const failed = failedChecks((await checkEvidence(run, sources())).checks);
      expect(failed.map((c) => c.check)).toEqual(['db.iu_content_hash']);
      expect(failed[0]?.detail).toContain(iu.canonical_address);
      expect(describeFailures(failed)).toMatch(/^1 IU text\(s\) do not hash to their content_hash: .* \(db\.iu_content_hash: expected \d+ IUs with sha256\(text\) = content_hash, observed \d+ match\)$/);
    } finally {
      await asSuperuser('UPDATE cutter.iu SET text = $2 WHERE change_set_id = $1 AND seq = 4', [changeSetId, iu.text]);
    }
  });

  test('gate mode (one server-side aggregate over the IU rows) gives the same rows as verify mode, untouched and tampered, without returning the IUs', async ({ copy }) => {
    use(copy);
    const changeSetId = built.changeSetId ?? '';
    const bothModes = async () => {
      const verify = await checkEvidence(run, sources());
      const gate = await checkEvidence(run, sources(), { mode: 'gate' });
      expect(gate.checks).toEqual(verify.checks);
      expect(gate.ius).toBeUndefined();
      expect(verify.ius).toHaveLength(built.plan.length);
      return failedChecks(gate.checks).map((c) => c.check);
    };
    expect(await bothModes()).toEqual([]);
    const rows = (await db.query<{ seq: number; text: string; content_hash: string }>('SELECT seq, text, content_hash FROM cutter.iu WHERE change_set_id = $1 AND seq IN (4, 5, 6, 7, 8, 9, 10) ORDER BY seq', [changeSetId])).rows;
    const restore = async () => {
      for (const r of rows) await asSuperuser('UPDATE cutter.iu SET text = $3, content_hash = $4 WHERE change_set_id = $1 AND seq = $2', [changeSetId, r.seq, r.text, r.content_hash]);
    };
    try {
      await asSuperuser("UPDATE cutter.iu SET text = text || ' (tampered)' WHERE change_set_id = $1 AND seq IN (4, 6, 7, 8, 9, 10)", [changeSetId]);
      expect(await bothModes()).toEqual(['db.iu_content_hash']);
      await restore();
      const forged = 'A forged article text.\n\n';
      await asSuperuser('UPDATE cutter.iu SET text = $2, content_hash = encode(sha256(convert_to($2, \'UTF8\')), \'hex\') WHERE change_set_id = $1 AND seq = 5', [changeSetId, forged]);
      expect(await bothModes()).toEqual(['db.writer_digest']);
      await restore();
      await asSuperuser('UPDATE cutter_governance.cut_change_set SET iu_count = iu_count + 1 WHERE change_set_id = $1', [changeSetId]);
      expect(await bothModes()).toEqual(['db.change_set']);
    } finally {
      await restore();
      await asSuperuser('UPDATE cutter_governance.cut_change_set SET iu_count = $2 WHERE change_set_id = $1', [changeSetId, built.plan.length]);
    }
    expect(await bothModes()).toEqual([]);
  });

  test('a voided change set fails db.change_set_void unless the run is voided', async ({ copy }) => {
    use(copy);
    const voided = { ...run, voided: true };
    const failed = failedChecks((await checkEvidence(voided, sources())).checks);
    expect(failed.map((c) => c.check)).toEqual(['db.change_set_void']);
    expect(failed[0]).toMatchObject({ expected: 'voided', observed: 'not voided' });
  });

  test('an edited source fails source.version (live state, no KB history) and nothing is re-derived from it', async ({ copy }) => {
    use(copy);
    const file = loadDocument(ws.kb.dir, run.law_id).sourcePath;
    const original = await readFile(file);
    await writeFile(file, Buffer.concat([original, Buffer.from('\nappended locally\n')]));
    try {
      const { checks } = await checkEvidence(run, sources());
      expect(failedChecks(checks).map((c) => c.check)).toEqual(['source.version']);
      expect(describeFailures(checks)).toMatch(/^source bytes of knowledge\/dev\/laws\/[a-z-]+\/source\.txt changed since the run pinned them \(source\.version: expected [0-9a-f]{16}…, observed [0-9a-f]{16}…\)$/);
      expect(checks.map((c) => c.check)).not.toContain('source.manifest_digest');
      expect(checks.find((c) => c.check === 'db.change_set')?.expected).toBe(`change set ${built.changeSetId ?? ''}`);
    } finally {
      await writeFile(file, original);
    }
  });

  test('a complete run fails on every pin it lacks, each row naming the missing pin', async ({ copy }) => {
    use(copy);
    const { checks } = await checkEvidence({ ...run, complete: true }, sources());
    const failed = failedChecks(checks);
    expect(failed.map((c) => c.check)).toEqual(['kb.final_report', 'db.manifest_envelope', 'db.verify_result', 'db.review_decision']);
    expect(failed.find((c) => c.check === 'db.verify_result')?.detail).toBe('verify_result_id is not pinned in a complete run');
  });

  test('the replay check uses the same rows with a complete run\'s expectations', async ({ copy }) => {
    use(copy);
    const error = await checkReplay(db, { ...built.view, state: 'done' }, built.plan.length).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StopError);
    expect((error as StopError).code).toBe('STOP_DRIFT');
    expect((error as StopError).message).toMatch(/the database disagrees: manifest_envelope_id is not pinned in a complete run \(db\.manifest_envelope: .*verify_result_id .*review_decision_id/);
    const miscounted = await checkReplay(db, { ...built.view, state: 'done' }, built.plan.length + 1).catch((e: unknown) => e);
    expect((miscounted as StopError).message).toMatch(new RegExp(`number of cutter\\.iu rows = IUs of the re-derived plan: expected ${built.plan.length + 1}, found ${built.plan.length}`));
  });
});
