import { describe, expect, test } from 'vitest';
import { InputError, StopError } from '../../../src/errors.js';
import { kbFolderTaken, runFolderPath } from '../../../src/kb/runFolder.js';
import { utcDateStamp, utcTimeStamp, isUtcDateStamp, isUtcTimeStamp } from '../../../src/kb/utcStamp.js';

const SV = '008a06ace23a96ea17660443d99a31d49d908a627d56f3ce0000000000000000';
const BASE = 'knowledge/dev/laws/us-const/v008a06ace23a96ea-automation-cut-20260520';

describe('runFolderPath (DESIGN §3, reference §1)', () => {
  test('names the folder with the 16-hex short form and the UTC date', async () => {
    // 23:30 in UTC-2 is already the next UTC day.
    const date = new Date('2026-05-19T23:30:00-02:00');
    expect(await runFolderPath({ lawId: 'us-const', sourceVersionId: SV, date, taken: () => false })).toBe(BASE);
  });

  test('appends -HHMM (UTC) when that day is taken by another run', async () => {
    const date = new Date('2026-05-20T14:32:59Z');
    const seen: string[] = [];
    const folder = await runFolderPath({
      lawId: 'us-const',
      sourceVersionId: SV,
      date,
      taken: async (path) => {
        seen.push(path);
        return path === BASE;
      },
    });
    expect(folder).toBe(`${BASE}-1432`);
    expect(seen).toEqual([BASE, `${BASE}-1432`]);
    const explicit = await runFolderPath({
      lawId: 'us-const', sourceVersionId: SV, date, time: new Date('2026-05-20T09:05:00Z'), taken: (path) => path === BASE,
    });
    expect(explicit).toBe(`${BASE}-0905`);
  });

  test('both names taken is a replay conflict; bad inputs are input errors', async () => {
    const date = new Date('2026-05-20T14:32:00Z');
    await expect(runFolderPath({ lawId: 'us-const', sourceVersionId: SV, date, taken: () => true })).rejects.toMatchObject({
      code: 'STOP_REPLAY_CONFLICT',
    });
    await expect(runFolderPath({ lawId: 'us-const', sourceVersionId: SV, date, taken: () => true })).rejects.toBeInstanceOf(StopError);
    await expect(runFolderPath({ lawId: 'US Const', sourceVersionId: SV, date, taken: () => false })).rejects.toBeInstanceOf(InputError);
    await expect(runFolderPath({ lawId: 'us-const', sourceVersionId: 'abc', date, taken: () => false })).rejects.toMatchObject({
      where: { field: 'sourceVersionId' },
    });
  });

  test('kbFolderTaken: empty is free, own documents are free, another run\'s documents are taken', async () => {
    const files: Record<string, string> = {
      [`${BASE}/01-source-pin-20260520.md`]: '# Source Pin · 01 of 11 · run-aaa\n',
    };
    const kb = {
      list: async (dir: string) => Object.keys(files).filter((f) => f.startsWith(`${dir}/`)).map((f) => f.slice(dir.length + 1)),
      read: async (file: string) => new TextEncoder().encode(files[file] ?? ''),
    };
    expect(await kbFolderTaken(kb, 'run-aaa')(BASE)).toBe(false);
    expect(await kbFolderTaken(kb, 'run-bbb')(BASE)).toBe(true);
    expect(await kbFolderTaken(kb, 'run-bbb')(`${BASE}-1432`)).toBe(false);
  });
});

describe('UTC stamps', () => {
  test('format and validate YYYYMMDD and HHMM', () => {
    const instant = new Date('2026-01-02T03:04:05Z');
    expect(utcDateStamp(instant)).toBe('20260102');
    expect(utcTimeStamp(instant)).toBe('0304');
    expect(isUtcDateStamp('20240229')).toBe(true);
    expect(isUtcDateStamp('20250229')).toBe(false);
    expect(isUtcTimeStamp('2359')).toBe(true);
    expect(isUtcTimeStamp('2400')).toBe(false);
  });
});
