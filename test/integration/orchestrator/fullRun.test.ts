import { expect, test } from 'vitest';
import { openDatabase } from '../../../src/db/openDatabase.js';
import { openKb } from '../../../src/kb/openKb.js';
import { RUN_DOCUMENTS, approvalDocumentName, runDocumentName } from '../../../src/kb/runDocuments.js';
import { RUNS_INDEX_PATH, parseRunsIndex } from '../../../src/kb/runsIndex.js';
import { utcDateStamp } from '../../../src/kb/utcStamp.js';
import { cut } from '../../../src/commands/cut.js';
import { resume } from '../../../src/commands/resume.js';
import { liveDocument } from '../../../src/orchestrator/liveDocument.js';
import { verifyRun } from '../../../src/verify/verifyRun.js';
import { describeEachDatabase } from '../../support/engineUrls.js';
import { corpusAvailable } from '../../support/corpus.js';
import { makeCutWorkspace, REAL_LAWS, recordingProgress, type LawId } from '../../support/cutWorkspace.js';

async function countIus(ws: Awaited<ReturnType<typeof makeCutWorkspace>>, lawId: string): Promise<{ total: number; inForce: number }> {
  const db = await openDatabase(ws.config);
  try {
    const r = await db.query<{ total: string; in_force: string }>(
      "SELECT count(*) AS total, count(*) FILTER (WHERE lifecycle_state = 'in_force') AS in_force FROM cutter.iu WHERE document_id = $1",
      [lawId],
    );
    return { total: Number(r.rows[0]?.total), inForce: Number(r.rows[0]?.in_force) };
  } finally {
    await db.close();
  }
}

// The sample statute always; the real laws when ../shared/corpus is there (else skipped, as the
// global setup's one line says; REQUIRE_CORPUS=1 makes that a failure). The sample statute and GDPR
// (the largest, non-ASCII text through COPY) on both engines; UDHR and the US Constitution only
// differ in the cutter's input, so they run on one.
describeEachDatabase('a full governed cut of the sample statute and of each real law', (engine) => {
  for (const lawId of ['sample-ora', ...REAL_LAWS] as LawId[]) {
    const real = (REAL_LAWS as readonly string[]).includes(lawId);
    const everyEngine = lawId === 'sample-ora' || lawId === 'eu-gdpr';
    test.skipIf((real && !corpusAvailable()) || !(everyEngine || engine.single))(`${lawId}${real ? ' [real-law corpus]' : ''}: cut → SG1 → approve → resume → SG2 → approve → resume → done; replay writes nothing`, async () => {
      const ws = await makeCutWorkspace({ laws: [lawId], ...(engine.url() === undefined ? {} : { databaseUrl: engine.url() }) });
      const progress = recordingProgress();
      const first = await cut({ config: ws.config, documentId: lawId, progress });
      expect(first).toMatchObject({ code: 'AWAITING_SG1', exitCode: 10, state: 'awaiting_sg1' });
      expect(progress.lines).toEqual(['source_pin done', 'mark done', 'cutplan done', 'backup done', 'grant_probe done', 'SG1 request done', 'SG1 decide AWAITING_SG1']);
      await ws.approve(first.run_id, 'SG1');
      const second = await resume({ config: ws.config, runId: first.run_id, progress });
      expect(second).toMatchObject({ code: 'AWAITING_SG2', exitCode: 10, state: 'awaiting_sg2' });
      await ws.approve(first.run_id, 'SG2');
      const done = await resume({ config: ws.config, runId: first.run_id, progress });
      expect(done).toMatchObject({ code: null, exitCode: 0, state: 'done' });

      const date = utcDateStamp(new Date());
      const kb = await openKb({ dir: ws.config.kbDir });
      const files = await kb.list(done.kb_folder);
      const expected = [
        ...Object.keys(RUN_DOCUMENTS).map((k) => runDocumentName(k as keyof typeof RUN_DOCUMENTS, date)),
        approvalDocumentName('SG1', date),
        approvalDocumentName('SG2', date),
      ].sort();
      expect(files).toEqual(expected);
      for (const f of files) expect(await kb.revisions(`${done.kb_folder}/${f}`), f).toBe(1);

      // Reports a person reads: the law in every header; requests PENDING; the final report lists
      // the 12 earlier documents and both approvals with the signer's name and fingerprint.
      const title = liveDocument(ws.config.kbDir, lawId).doc.document.title;
      const text = async (name: string): Promise<string> => new TextDecoder().decode(await kb.read(`${done.kb_folder}/${name}`));
      for (const f of files.filter((name) => !name.includes('-approval-'))) {
        expect(await text(f), f).toContain(`> law : ${title}`);
      }
      expect(await text(runDocumentName('SG1', date))).toContain('> outcome : PENDING');
      const final = await text(runDocumentName('closeout', date));
      expect(final).toMatch(/SG1 approved by .+ \([0-9A-F]{40}\) at /);
      expect(final).toMatch(/SG2 approved by .+ \([0-9A-F]{40}\) at /);
      expect(final).not.toContain('(not in the keyring now)');
      for (const f of files.filter((name) => name !== runDocumentName('closeout', date))) expect(final, f).toContain(`${done.kb_folder}/${f} |`);

      const index = parseRunsIndex(new TextDecoder().decode(await kb.read(RUNS_INDEX_PATH)));
      expect(index.issues).toEqual([]);
      expect(index.entries.map((e) => e.runId)).toEqual([first.run_id]);

      const planned = liveDocument(ws.config.kbDir, lawId).plan().length;
      expect(await countIus(ws, lawId)).toEqual({ total: planned, inForce: planned });

      const audit = await verifyRun({ config: ws.config, runId: first.run_id });
      expect(audit.checks.filter((c) => !c.ok)).toEqual([]);
      expect(audit.ok).toBe(true);

      const replay = await cut({ config: ws.config, documentId: lawId, progress: recordingProgress() });
      expect(replay).toMatchObject({ replayed_from: first.run_id, exitCode: 0 });
      expect(await countIus(ws, lawId)).toEqual({ total: planned, inForce: planned });
      expect(await kb.list(done.kb_folder)).toEqual(expected);
    });
  }
});

