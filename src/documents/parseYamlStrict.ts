/**
 * YAML text → validated object, with every failure located: file, 1-based line, byte offset and
 * field path of the offending node (issue 3 item 6: "never a bare stack trace").
 */
import { isNode, LineCounter, parseDocument } from 'yaml';
import { InputError } from '../errors.js';

/** A validator that returns errors as data (`path` in dot form). */
export type Validate<T> = (input: unknown) => { ok: true; value: T } | { ok: false; issues: { path: string; message: string }[] };

/**
 * @param text - YAML text
 * @param file - file name for messages
 * @param what - what the file is, for messages ("vocabulary", "document.yaml")
 * @param validate - schema check
 * @throws InputError `{ file, line, offset, field }` on a YAML syntax error or the first schema
 *   problem; `issues` lists all schema problems as `path: message`
 */
export function parseYamlStrict<T>(text: string, file: string, what: string, validate: Validate<T>): T {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const yamlError = doc.errors[0];
  if (yamlError !== undefined) {
    const offset = yamlError.pos[0];
    throw new InputError(`${what} ${file} is not valid YAML: ${yamlError.message.split('\n')[0]}`, {
      file,
      line: lineCounter.linePos(offset).line,
      offset: byteOffset(text, offset),
    });
  }
  const result = validate(doc.toJS());
  if (result.ok) return result.value;
  const first = result.issues[0] ?? { path: '(root)', message: 'invalid' };
  const keys = first.path === '(root)' ? [] : first.path.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k));
  // The deepest node that exists on the issue's path locates it (a missing key points at its parent).
  let node: unknown;
  for (let n = keys.length; n >= 0 && !isNode(node); n--) node = n === 0 ? doc.contents : doc.getIn(keys.slice(0, n), true);
  const offset = isNode(node) && node.range ? node.range[0] : 0;
  throw new InputError(
    `${what} ${file} fails its schema: ${result.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    { file, line: lineCounter.linePos(offset).line, offset: byteOffset(text, offset), field: first.path },
    result.issues,
  );
}

function byteOffset(text: string, charOffset: number): number {
  return Buffer.byteLength(text.slice(0, charOffset), 'utf8');
}
