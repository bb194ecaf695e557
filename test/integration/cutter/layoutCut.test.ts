import { expect, test } from 'vitest';
import { openDatabase } from '../../../src/db/openDatabase.js';
import { cut } from '../../../src/commands/cut.js';
import { resume } from '../../../src/commands/resume.js';
import { liveDocument } from '../../../src/orchestrator/liveDocument.js';
import { openKb } from '../../../src/kb/openKb.js';
import { runDocumentName } from '../../../src/kb/runDocuments.js';
import { utcDateStamp } from '../../../src/kb/utcStamp.js';
import { describeEachDatabase } from '../../support/engineUrls.js';
import { makeCutWorkspace, recordingProgress } from '../../support/cutWorkspace.js';

// Issue 10 in the database: the lettered constitution (suffixed parts and articles, titles on the
// heading line, a repealed range heading) cut through leg A; titles land in `heading` and every
// number a range heading covers resolves to a row.
describeEachDatabase('a cut of the lettered constitution writes titles and range numbers', (engine) => {
  test('leg A rows: heading from the title group, art_75 resolves (empty, pointing by heading)', async () => {
    const ws = await makeCutWorkspace({ laws: ['basic-law'], ...(engine.url() === undefined ? {} : { databaseUrl: engine.url() }) });
    const first = await cut({ config: ws.config, documentId: 'basic-law', progress: recordingProgress() });
    expect(first, JSON.stringify(first)).toMatchObject({ code: 'AWAITING_SG1' });
    await ws.approve(first.run_id, 'SG1');
    expect(await resume({ config: ws.config, runId: first.run_id, progress: recordingProgress() })).toMatchObject({ code: 'AWAITING_SG2' });

    // The sovereign sees the plan's warning in the cut plan report signed over at SG1.
    const kb = await openKb({ dir: ws.config.kbDir });
    const report = new TextDecoder().decode(await kb.read(`${first.kb_folder}/${runDocumentName('cutplan', utcDateStamp(new Date()))}`));
    expect(report).toContain('the plan gave 1 warning(s); read them before approving SG1:');
    expect(report).toMatch(/warning: line looks like a point heading but follows text without a blank line: .* \(knowledge\/dev\/laws\/basic-law\/source\.txt:71, offset \d+\)/);

    const db = await openDatabase(ws.config);
    try {
      const r = await db.query<{ canonical_address: string; heading: string | null; text: string; parent_address: string | null }>(
        "SELECT canonical_address, heading, text, parent_address FROM cutter.iu WHERE document_id = 'basic-law' ORDER BY seq",
      );
      expect(r.rows).toHaveLength(liveDocument(ws.config.kbDir, 'basic-law').plan().length);
      const by = new Map(r.rows.map((row) => [row.canonical_address, row]));
      expect(by.get('BASIC-LAW/part_3__art_45d')?.heading).toBe('Parliamentary Control Panel');
      expect(by.get('BASIC-LAW/part_4a')).toMatchObject({ heading: 'The Joint Committee', parent_address: null });
      expect(by.get('BASIC-LAW/part_7__art_75')).toMatchObject({ heading: '(repealed)', text: '', parent_address: 'BASIC-LAW/part_7' });
      expect(by.get('BASIC-LAW/part_7__art_74a')?.text).toBe('Art 74a and 75 (repealed)\n\n');
      expect(r.rows.filter((row) => row.heading !== null).length).toBeGreaterThan(30);
    } finally {
      await db.close();
    }
  });
});
