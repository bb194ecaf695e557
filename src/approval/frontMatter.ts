/**
 * The YAML front matter of a sovereign text — approval or void (DESIGN §5, §6): reading it from a
 * *verified* cleartext (never from the raw file) and writing it in one canonical form.
 */
import { parse, stringify } from 'yaml';
import { refuse, type ApprovalRefusal } from './approvalRefusal.js';
import type { z } from 'zod';
import { InputError } from '../errors.js';

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

/** The validated fields and their front matter block `---\n<yaml>---\n`. */
export interface WrittenFrontMatter<T> {
  fields: T;
  frontMatter: string;
}

/**
 * Validates `fields` with `schema`, then writes them in `order` as YAML between two `---` lines.
 * Every string is written double-quoted so no YAML reader turns a digest or id into a number;
 * `null` stays `null`; lines are never folded.
 *
 * @param schema - the document's field schema (`ApprovalFieldsSchema`, `VoidFieldsSchema`)
 * @param order - the keys in the order they are written
 * @param fields - the fields as given by the caller
 * @param what - the document kind named in the error (`approval`, `void`)
 * @returns the fields as the schema outputs them (trimmed where it trims) and the front matter block
 * @throws InputError `<what> fields are invalid: <path>: <message>; …` listing every invalid field
 *   in `issues`, the first one's path in `where.field`
 */
export function writeFrontMatter<S extends z.ZodType<Record<string, unknown>>>(
  schema: S,
  order: readonly (keyof z.output<S> & string)[],
  fields: z.input<S>,
  what: string,
): WrittenFrontMatter<z.output<S>> {
  const parsed = schema.safeParse(fields);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
    throw new InputError(
      `${what} fields are invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      issues[0] ? { field: issues[0].path } : {},
      issues,
    );
  }
  const ordered = Object.fromEntries(order.map((k) => [k, parsed.data[k]]));
  const yaml = stringify(ordered, { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN', lineWidth: 0 });
  return { fields: parsed.data, frontMatter: `---\n${yaml}---\n` };
}
