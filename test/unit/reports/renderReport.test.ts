import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import type { ReportData } from '../../../src/reports/ReportData.js';
import { ReportRejected } from '../../../src/reports/ReportRejected.js';
import { INPUTS_MAX_LINES, REPORT_MAX_LINES, renderReport, truncateLines } from '../../../src/reports/renderReport.js';
import { validateReport } from '../../../src/reports/validateReport.js';

const RUN = '0196f2a4-7c1e-7a3b-9d2e-5f6a7b8c9d0e';
const minimal = (over: Partial<ReportData> = {}): ReportData => ({
  kind: 'mark',
  runId: RUN,
  outcome: 'PASS',
  productionMutation: 'NONE',
  inputs: { document_id: 'us-const' },
  work: ['extracted the region'],
  diff: [],
  invariants: [],
  artifacts: [],
  verdict: { outcome: 'PASS' },
  ...over,
});
const rejection = (data: ReportData): ReportRejected => {
  try {
    renderReport(data);
  } catch (error) {
    if (error instanceof ReportRejected) return error;
    throw error;
  }
  throw new Error('renderReport accepted the data');
};

describe('renderReport', () => {
  test('the header block is YAML that names phase, outcome, mutation and run', () => {
    const text = renderReport(minimal({ productionMutation: 'cutter.iu: us-const', outcome: 'FAIL' }));
    const block = text.split('\n').filter((line) => line.startsWith('> ')).map((line) => line.slice(2));
    expect(block[0]).toBe('```yaml');
    expect(parse(block.slice(1, -1).join('\n'))).toEqual({
      phase: 'mark', outcome: 'FAIL', production_mutation: 'cutter.iu: us-const', run_id: RUN,
    });
  });

  test('the six sections come in order, each once', () => {
    const headings = renderReport(minimal()).split('\n').filter((line) => line.startsWith('## '));
    expect(headings).toEqual([
      '## 1. Inputs (RunContext snapshot)',
      '## 2. Work performed',
      '## 3. Live snapshot diff (pre vs post)',
      '## 4. Internal-gate invariants',
      '## 5. Artifacts produced',
      '## 6. Verdict',
    ]);
  });

  test('same data in another key order gives the same bytes', () => {
    const a = renderReport(minimal({ inputs: { b: 1, a: { y: 2, x: 1 } }, verdict: { z: 1, a: 2 } }));
    const b = renderReport(minimal({ verdict: { a: 2, z: 1 }, inputs: { a: { x: 1, y: 2 }, b: 1 } }));
    expect(a).toBe(b);
  });

  test('an inputs excerpt over 50 lines is cut to 50 with a marker line', () => {
    const inputs = Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`pin_${String(i).padStart(2, '0')}`, i]));
    const lines = renderReport(minimal({ inputs })).split('\n');
    const start = lines.indexOf('```yaml') + 1;
    const end = lines.indexOf('```', start);
    expect(end - start).toBe(INPUTS_MAX_LINES);
    expect(lines[end - 1]).toBe(`# … truncated: 31 more lines (full RunContext: sidecars/${RUN}.json)`);
    expect(parse(lines.slice(start, end).join('\n'))).toHaveProperty('pin_48', 48);
    expect(truncateLines(['a', 'b'], 2, RUN)).toEqual(['a', 'b']);
  });

  test('more than 250 lines is refused', () => {
    const work = Array.from({ length: REPORT_MAX_LINES }, (_, i) => `step ${i}`);
    expect(rejection(minimal({ work })).issues).toEqual([{ field: 'text', message: expect.stringMatching(/more than 250/) }]);
  });

  test('pipes in table cells are escaped; nulls print as a dash', () => {
    const text = renderReport(minimal({ diff: [{ item: 'a|b', pre: null, post: 3 }] }));
    expect(text).toContain('| a\\|b | — | 3 |');
  });

  test('next steps only in the final report', () => {
    expect(rejection(minimal({ nextSteps: ['do more'] })).issues).toEqual([
      { field: 'nextSteps', message: 'next steps are allowed in the final report only' },
    ]);
    expect(renderReport(minimal({ kind: 'closeout', nextSteps: ['do more'] }))).toContain('### Next steps\n\n- do more\n');
  });

  test('validation returns every issue as data', () => {
    const issues = validateReport(
      minimal({
        runId: 'not-a-uuid',
        invariants: [{ invariant: 'x', expected: 1, observed: 2, ok: false }],
        artifacts: [{ path: 'p', sha256: 'abc', bytes: -1 }],
        work: ['two\nlines'],
      }),
    );
    expect(issues.map((issue) => issue.field)).toEqual([
      'runId', 'invariants.0.ok', 'artifacts.0.sha256', 'artifacts.0.bytes', 'work.0',
    ]);
    expect(validateReport(minimal())).toEqual([]);
  });

  test('the title of a gate request has no phase number', () => {
    expect(renderReport(minimal({ kind: 'SG1' })).split('\n')[0]).toBe(`# Cut Authorisation Request · SG1 · ${RUN}`);
    expect(renderReport(minimal({ kind: 'backup' })).split('\n')[0]).toBe(`# Pre-Write Backup · 04 of 11 · ${RUN}`);
  });
});
