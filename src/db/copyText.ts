/**
 * PostgreSQL `COPY … FROM` text format (the default format, PostgreSQL docs "COPY — File Formats"):
 * one line per row, columns separated by a tab, `\N` for NULL, and backslash, tab, newline and
 * carriage return escaped in values. Everything else (any Unicode) is sent as is, UTF-8.
 */

/** One value of a COPY row: text, a finite number, or null. */
export type CopyValue = string | number | null;

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const NEEDS_ESCAPE = /[\\\t\n\r]/g;

/**
 * Encodes one value for COPY's text format.
 * @throws Error for a non-finite number (COPY would read `NaN`/`Infinity` as text, not fail).
 */
export function copyTextValue(v: CopyValue): string {
  if (v === null) return '\\N';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`COPY value ${v} is not a finite number`);
    return String(v);
  }
  return v.replace(NEEDS_ESCAPE, (c) => ESCAPES[c] ?? c);
}

/** Encodes one row (a line, `\n`-terminated). */
export function copyTextLine(row: readonly CopyValue[]): string {
  return `${row.map(copyTextValue).join('\t')}\n`;
}

/**
 * The rows as COPY text, in chunks of about `chunkChars` characters (each chunk ends on a row
 * boundary), so a large set is streamed without one giant string.
 */
export function* copyTextChunks(rows: Iterable<readonly CopyValue[]>, chunkChars = 1 << 20): Generator<string> {
  let parts: string[] = [];
  let size = 0;
  for (const row of rows) {
    const line = copyTextLine(row);
    parts.push(line);
    size += line.length;
    if (size >= chunkChars) {
      yield parts.join('');
      parts = [];
      size = 0;
    }
  }
  if (parts.length > 0) yield parts.join('');
}

const IDENT = /^[a-z_][a-z0-9_]*$/;

/**
 * `COPY <table> (<columns>) FROM <source>` for plain lower-case identifiers (quoted), so no caller
 * text is ever spliced into SQL.
 * @param table - `name` or `schema.name`
 * @throws Error when the table or a column is not a plain identifier, or there are no columns.
 */
export function copyStatement(table: string, columns: readonly string[], source: string): string {
  const parts = table.split('.');
  if (parts.length > 2 || !parts.every((p) => IDENT.test(p))) throw new Error(`COPY target ${JSON.stringify(table)} is not a plain [schema.]table name`);
  if (columns.length === 0 || !columns.every((c) => IDENT.test(c))) throw new Error(`COPY columns ${JSON.stringify(columns)} are not plain column names`);
  return `COPY ${parts.map((p) => `"${p}"`).join('.')} (${columns.map((c) => `"${c}"`).join(', ')}) FROM ${source}`;
}
