/**
 * Reads the YAML front matter of a *verified* sovereign text — approval or void (DESIGN §5, §6).
 * Call it only on the cleartext returned by `verifySignedText`, never on the raw file.
 */
import { parse } from 'yaml';
import { refuse, type ApprovalRefusal } from './approvalRefusal.js';

/**
 * YAML schema of the front matter: `failsafe` reads every scalar as a string (so a digest never
 * becomes a number); `core` also reads `null`, booleans and numbers, for documents whose fields
 * need them (a void's `change_set_id: null`).
 */
export type FrontMatterSchema = 'failsafe' | 'core';

/**
 * Expects the text to start with a `---` line, then YAML, then a closing `---` line (CRLF or LF).
 * Duplicate keys are an error, so a second `run_id:` or `decision:` cannot override the first.
 * The value is not checked for shape: each document's reader does that.
 *
 * @param verifiedText - the text returned by signature verification
 * @param schema - the YAML schema to read with
 * @returns the parsed YAML value, or `malformed_front_matter` (no opening or no closing `---` line,
 *   or invalid YAML — only the first line of the YAML error is kept)
 */
export function readFrontMatter(verifiedText: string, schema: FrontMatterSchema): { ok: true; data: unknown } | ApprovalRefusal {
  const lines = verifiedText.replace(/\r\n/g, '\n').split('\n');
  if (lines[0]?.trimEnd() !== '---') return refuse('malformed_front_matter', 'the signed text does not start with a --- front matter line');
  const close = lines.findIndex((l, i) => i > 0 && l.trimEnd() === '---');
  if (close < 0) return refuse('malformed_front_matter', 'the front matter has no closing --- line');
  try {
    return { ok: true, data: parse(lines.slice(1, close).join('\n'), { schema, uniqueKeys: true, prettyErrors: false }) };
  } catch (error) {
    return refuse('malformed_front_matter', `the front matter is not valid YAML: ${(error as Error).message.split('\n')[0] ?? ''}`);
  }
}
