/**
 * File names of void documents in a run folder (DESIGN §3, §5): `VOID-<YYYYMMDD>.md`, and
 * `VOID-<YYYYMMDD>-<n>.md` (n ≥ 2) when that name already holds another file — a run-folder path
 * is never rewritten.
 */
import { isUtcDateStamp } from '../kb/utcStamp.js';

/** `VOID-<date>.md` for ordinal 1, `VOID-<date>-<n>.md` for n ≥ 2. */
export function voidDocumentName(date: string, ordinal = 1): string {
  return `VOID-${date}${ordinal >= 2 ? `-${ordinal}` : ''}.md`;
}

/** Whether `name` is a void document name with a real UTC date (and no `-1` suffix). */
export function isVoidDocumentName(name: string): boolean {
  const match = /^VOID-(\d{8})(?:-([2-9]|[1-9]\d+))?\.md$/.exec(name);
  return match !== null && isUtcDateStamp(match[1] ?? '');
}
