import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { RUNS_INDEX_HEADER, withRunsIndexLine } from '../../../src/kb/appendRunsIndexLine.js';
import {
  RUNS_INDEX_MAX_LINE,
  formatRunsIndexLine,
  parseRunsIndex,
  type RunsIndexEntry,
} from '../../../src/kb/runsIndex.js';

const ENTRY: RunsIndexEntry = {
  runId: '0196f2a4-7c1e-7a3b-9d2e-5f6a7b8c9d0e',
  documentId: 'us-const',
  sourceVersionId: '008a06ace23a96ea17660443d99a31d49d908a627d56f3ce1234567890abcdef',
  state: 'done',
  folder: 'knowledge/dev/laws/us-const/v008a06ace23a96ea-automation-cut-20260520',
  changeSetId: '0196f2a5-0000-7000-8000-000000000001',
  reviewDecisionId: '0196f2a6-0000-7000-8000-000000000002',
  actor: 'alice',
  closeoutUtc: new Date('2026-05-20T14:32:05Z'),
};
const length = (text: string): number => Array.from(text).length;

describe('formatRunsIndexLine (reference §9)', () => {
  test('writes the nine fields in their compact forms', () => {
    expect(formatRunsIndexLine(ENTRY)).toBe(
      '- `0196f2a47c1e7a3b9d2e5f6a7b8c9d0e` · `us-const` · `008a06ace23a96ea` · `done` · `20260520` · ' +
        '`0196f2a5000070008000000000000001` · `0196f2a6000070008000000000000002` · `alice` · `20260520T1432Z`',
    );
    expect(length(formatRunsIndexLine(ENTRY))).toBeLessThanOrEqual(RUNS_INDEX_MAX_LINE);
  });

  test('round-trips through parseRunsIndex with canonical ids and the full folder path', () => {
    const { entries, issues } = parseRunsIndex(`${RUNS_INDEX_HEADER}${formatRunsIndexLine({ ...ENTRY, folder: `${ENTRY.folder}-1432/` })}\n`);
    expect(issues).toEqual([]);
    expect(entries).toEqual([
      {
        line: 5,
        runId: ENTRY.runId,
        documentId: 'us-const',
        sourceVersionShort: '008a06ace23a96ea',
        state: 'done',
        folder: `${ENTRY.folder}-1432`,
        changeSetId: ENTRY.changeSetId,
        reviewDecisionId: ENTRY.reviewDecisionId,
        actor: 'alice',
        closeoutUtc: '2026-05-20T14:32Z',
      },
    ]);
  });

  test('shortens actor first, then state, never an id; absent ids are -', () => {
    const long = formatRunsIndexLine({
      ...ENTRY,
      folder: `${ENTRY.folder}-1432`,
      state: 'COMPLETE-WITH-NOTES',
      actor: 'alice.longname@example.org',
      reviewDecisionId: undefined,
    });
    expect(length(long)).toBe(RUNS_INDEX_MAX_LINE);
    const [entry] = parseRunsIndex(long).entries;
    expect(entry?.runId).toBe(ENTRY.runId);
    expect(entry?.changeSetId).toBe(ENTRY.changeSetId);
    expect(entry?.reviewDecisionId).toBeUndefined();
    expect(entry?.state).toBe('COMPLETE-WITH-NOTES');
    expect(entry?.actor.endsWith('…')).toBe(true);
    expect('alice.longname@example.org'.startsWith(entry!.actor.slice(0, -1))).toBe(true);

    const tight = parseRunsIndex(formatRunsIndexLine({ ...ENTRY, folder: `${ENTRY.folder}-1432`, state: 'COMPLETE-WITH-NOTES-AND-MORE-NOTES' })).entries[0];
    expect(tight?.actor).toBe('…');
    expect(tight?.state.endsWith('…')).toBe(true);
  });

  test('free text cannot break the syntax', () => {
    const line = formatRunsIndexLine({ ...ENTRY, state: 'a`b', actor: 'x · y\nz' });
    const { entries, issues } = parseRunsIndex(line);
    expect(issues).toEqual([]);
    expect(entries[0]?.state).toBe("a'b");
  });

  test('refuses malformed ids, a foreign folder, and a document_id leaving no room', () => {
    expect(() => formatRunsIndexLine({ ...ENTRY, runId: 'not-a-uuid' })).toThrow(InputError);
    expect(() => formatRunsIndexLine({ ...ENTRY, folder: 'knowledge/dev/laws/eu-gdpr/v008a06ace23a96ea-automation-cut-20260520' })).toThrow(
      /not this run's/,
    );
    expect(() => formatRunsIndexLine({ ...ENTRY, documentId: 'a'.repeat(40), folder: ENTRY.folder.replace('us-const', 'a'.repeat(40)) })).toThrow(
      /too long/,
    );
  });

  test('property: any valid entry gives a line ≤ 200 that parses back to the same ids', () => {
    const hex = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: n, maxLength: n });
    fc.assert(
      fc.property(
        fc.uuid(), fc.uuid(), fc.option(fc.uuid(), { nil: undefined }),
        fc.stringMatching(/^[a-z][a-z0-9-]{0,9}$/), hex(64), fc.string(), fc.string(),
        fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }),
        fc.boolean(),
        (runId, changeSetId, reviewDecisionId, documentId, sv, state, actor, closeoutUtc, suffixed) => {
          const folder = `knowledge/dev/laws/${documentId}/v${sv.slice(0, 16)}-automation-cut-20260520${suffixed ? '-0001' : ''}`;
          const line = formatRunsIndexLine({ runId, documentId, sourceVersionId: sv, state, folder, changeSetId, reviewDecisionId, actor, closeoutUtc });
          expect(length(line)).toBeLessThanOrEqual(RUNS_INDEX_MAX_LINE);
          const { entries, issues } = parseRunsIndex(line);
          expect(issues).toEqual([]);
          expect(entries[0]).toMatchObject({ runId: runId.toLowerCase(), changeSetId: changeSetId.toLowerCase(), folder, documentId });
          expect(entries[0]?.reviewDecisionId).toBe(reviewDecisionId?.toLowerCase());
        },
      ),
    );
  });
});

describe('parseRunsIndex', () => {
  test('reports malformed entry lines as data, skips prose', () => {
    const text = ['# title', '', '- `abc` · `x`', 'some prose', formatRunsIndexLine(ENTRY)].join('\n');
    const { entries, issues } = parseRunsIndex(text);
    expect(entries.map((e) => e.line)).toEqual([5]);
    expect(issues).toEqual([{ line: 3, message: 'expected 9 backticked fields' }]);
  });
});

describe('withRunsIndexLine (the append edit)', () => {
  test('creates the file with a header, appends, and is idempotent per run_id', () => {
    const line = formatRunsIndexLine(ENTRY);
    const first = withRunsIndexLine(undefined, line);
    expect(first).toBe(`${RUNS_INDEX_HEADER}${line}\n`);
    // the header row names the fields and is not read as an entry
    expect(RUNS_INDEX_HEADER).toContain('`run_id` · `document_id` · `source_version` · `state`');
    expect(parseRunsIndex(RUNS_INDEX_HEADER)).toEqual({ entries: [], issues: [] });
    expect(withRunsIndexLine(first, line)).toBeUndefined();
    expect(withRunsIndexLine(first, formatRunsIndexLine({ ...ENTRY, actor: 'bob' }))).toBeUndefined();
    const other = formatRunsIndexLine({ ...ENTRY, runId: '0196f2a4-7c1e-7a3b-9d2e-000000000000' });
    expect(withRunsIndexLine('# t\nno newline', other)).toBe(`# t\nno newline\n${other}\n`);
  });
});
