/**
 * The lossless-cut invariant (DESIGN §4 phase 7): the IU texts in document order, with the excluded
 * spans put back at their offsets, re-assemble the region byte for byte.
 */
import type { ExcludedSpan } from './markRegion.js';

/** Outcome of {@link checkLossless}; `firstMismatchOffset` is a region-relative UTF-8 byte offset. */
export type LosslessResult = { ok: true } | { ok: false; firstMismatchOffset: number; reason: string };

/**
 * Checks that units plus excluded spans tile the region exactly. Works from rows alone (e.g. texts
 * read back from the DB), so phase 7 can call it: the units must be given in document order (the
 * pre-order of the rowset as planned), the excluded spans as MARK reported them.
 *
 * @param regionText - the region (MARK's `text`)
 * @param units - IU texts in document order
 * @param excluded - MARK's excluded spans (region-relative byte offsets, ascending)
 */
export function checkLossless(regionText: string, units: readonly { text: string }[], excluded: readonly ExcludedSpan[]): LosslessResult {
  const region = Buffer.from(regionText, 'utf8');
  let pos = 0;
  let ex = 0;
  const skipExcluded = (): LosslessResult | undefined => {
    while (ex < excluded.length && (excluded[ex] as ExcludedSpan).offset <= pos) {
      const span = excluded[ex] as ExcludedSpan;
      if (span.offset < pos) return { ok: false, firstMismatchOffset: span.offset, reason: `excluded span ${ex} (${span.reason}) overlaps text already placed` };
      if (span.length <= 0 || span.offset + span.length > region.length) {
        return { ok: false, firstMismatchOffset: span.offset, reason: `excluded span ${ex} (${span.reason}) is empty or runs past the region end` };
      }
      pos += span.length;
      ex++;
    }
    return undefined;
  };
  for (let u = 0; u < units.length; u++) {
    const bytes = Buffer.from((units[u] as { text: string }).text, 'utf8');
    let i = 0;
    while (i < bytes.length) {
      const bad = skipExcluded();
      if (bad !== undefined) return bad;
      const nextEx = ex < excluded.length ? (excluded[ex] as ExcludedSpan).offset : region.length;
      const n = Math.min(bytes.length - i, nextEx - pos);
      if (n <= 0) return { ok: false, firstMismatchOffset: pos, reason: `unit ${u} runs past the region end` };
      const a = bytes.subarray(i, i + n);
      const b = region.subarray(pos, pos + n);
      if (!a.equals(b)) {
        let d = 0;
        while (a[d] === b[d]) d++;
        return { ok: false, firstMismatchOffset: pos + d, reason: `unit ${u} differs from the region` };
      }
      i += n;
      pos += n;
    }
  }
  const bad = skipExcluded();
  if (bad !== undefined) return bad;
  if (ex < excluded.length) return { ok: false, firstMismatchOffset: (excluded[ex] as ExcludedSpan).offset, reason: `excluded span ${ex} lies beyond the units` };
  if (pos !== region.length) return { ok: false, firstMismatchOffset: pos, reason: 'units and excluded spans end before the region ends' };
  return { ok: true };
}
