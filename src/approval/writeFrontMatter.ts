/**
 * Writes the YAML front matter of an unsigned sovereign document — approval or void (DESIGN §5,
 * §6) — after validating its fields. The reading side is `readFrontMatter`.
 */
import { stringify } from 'yaml';
import type { z } from 'zod';
import { InputError } from '../errors.js';

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
