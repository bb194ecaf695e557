import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { beforeAll, describe, expect, test } from 'vitest';
import { RUN_DOCUMENTS, RUN_DOCUMENT_KEYS, type RunDocumentKey } from '../../../src/kb/runDocuments.js';
import type { ReportData } from '../../../src/reports/ReportData.js';
import { INPUTS_MAX_LINES, REPORT_MAX_LINES, renderReport } from '../../../src/reports/renderReport.js';
import { scanForSecrets } from '../../../src/reports/scanForSecrets.js';
import { corpusSourcePath, itWithCorpus } from '../../support/corpus.js';
import { sampleReports, US_CONSTITUTION_SOURCE } from './sampleReports.js';

const GOLDEN_DIR = new URL('../../golden/reports/', import.meta.url);
const update = process.env['UPDATE_GOLDEN'] === '1';

let reports: Record<RunDocumentKey, ReportData>;
beforeAll(async () => {
  reports = await sampleReports();
  if (update) await mkdir(GOLDEN_DIR, { recursive: true });
});

describe('the sample run is of the real US Constitution', () => {
  itWithCorpus('its recorded source sha256 and byte length are those of ../shared/corpus/us-constitution', async () => {
    const source = await readFile(corpusSourcePath('us-constitution'));
    expect({ sha256: createHash('sha256').update(source).digest('hex'), bytes: source.length }).toEqual(US_CONSTITUTION_SOURCE);
  });
});

describe.each(RUN_DOCUMENT_KEYS.map((key) => [key]))('report %s', (key) => {
  test('matches its golden file byte for byte', async () => {
    const text = renderReport(reports[key]);
    const golden = new URL(`${RUN_DOCUMENTS[key].stem}.md`, GOLDEN_DIR);
    if (update) await writeFile(golden, text);
    expect(text).toBe(await readFile(golden, 'utf8'));
  });

  test('is deterministic, within the limits, and passes the secret scanner', () => {
    const text = renderReport(reports[key]);
    expect(renderReport(structuredClone(reports[key]))).toBe(text);
    const lines = text.split('\n').slice(0, -1);
    expect(lines.length).toBeLessThanOrEqual(REPORT_MAX_LINES);
    const inputs = lines.slice(lines.indexOf('## 1. Inputs (RunContext snapshot)') + 3, lines.indexOf('## 2. Work performed') - 2);
    expect(inputs.length).toBeLessThanOrEqual(INPUTS_MAX_LINES);
    expect(scanForSecrets(text, { secrets: ['correct-horse-battery'] })).toEqual([]);
    expect(lines[0]).toBe(
      `# ${RUN_DOCUMENTS[key].phaseName} · ${/^\d+$/.test(RUN_DOCUMENTS[key].label) ? `${RUN_DOCUMENTS[key].label} of 11` : RUN_DOCUMENTS[key].label} · ${reports[key].runId}`,
    );
    expect(text.includes('### Next steps')).toBe(key === 'closeout');
  });
});
