/**
 * The manifest envelope's `counts` (issue 11): leg B now takes them from SQL (`countIusByKind` +
 * `sortedCounts`) instead of reading every IU back; the shape must stay the one `countsByKind` gives
 * from the rows, key order included (`total` first, then the kinds sorted).
 */
import { describe, expect, it } from 'vitest';
import { countsByKind, sortedCounts } from '../../../src/orchestrator/phaseReport.js';

describe('sortedCounts', () => {
  it('gives exactly what countsByKind gives from the rows, in the same key order', () => {
    const kinds = ['paragraph', 'article', 'point', 'paragraph', 'recital', 'article', 'paragraph', 'chapter', 'annex'];
    const rows = kinds.map((unit_kind) => ({ unit_kind }));
    const tally: Record<string, number> = {};
    // A tally in another order than the rows (as GROUP BY returns them) changes nothing.
    for (const k of [...kinds].reverse()) tally[k] = (tally[k] ?? 0) + 1;
    expect(JSON.stringify(sortedCounts(tally))).toBe(JSON.stringify(countsByKind(rows)));
    expect(sortedCounts(tally)).toEqual({ total: 9, annex: 1, article: 2, chapter: 1, paragraph: 3, point: 1, recital: 1 });
  });

  it('counts nothing as a total of 0', () => {
    expect(sortedCounts({})).toEqual({ total: 0 });
    expect(countsByKind([])).toEqual({ total: 0 });
  });
});
