/**
 * GitHub-flavoured markdown tables for report sections 3–5 (reference §2).
 */
import type { Cell } from './ReportData.js';

/** A cell as text: pipes escaped so they cannot split the row; null as an em dash. */
export function cellText(value: Cell): string {
  if (value === null) return '—';
  if (typeof value === 'string') return value === '' ? '""' : value.replaceAll('|', '\\|');
  return String(value);
}

/**
 * Renders `rows` under `headers` as markdown table lines (header, separator, one line per row).
 * Cells are already single-line (validateReport checks it).
 */
export function markdownTable(headers: readonly string[], rows: readonly (readonly Cell[])[]): string[] {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map((row) => line(row.map(cellText)))];
}
