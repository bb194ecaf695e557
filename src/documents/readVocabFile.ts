/**
 * Reading a vocabulary YAML file (issue 3 items 2 and 6).
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import { parseVocab, type Vocab } from '../cutter/vocabSchema.js';
import { parseYamlStrict } from './parseYamlStrict.js';

/** A vocabulary read from a file: validated object plus the exact file bytes. */
export interface VocabFile {
  vocab: Vocab;
  bytes: Uint8Array;
}

/**
 * Parses and validates vocabulary YAML text (patterns screened unless `checkPatterns: false`, see `parseVocab`).
 *
 * @throws InputError `{ file, line, offset, field }` on a YAML error or a schema problem
 */
export function parseVocabYaml(text: string, file: string, opts: { checkPatterns?: boolean } = {}): Vocab {
  return parseYamlStrict(text, file, 'vocabulary', (input) => {
    const r = parseVocab(input, opts);
    return r.ok ? { ok: true, value: r.vocab } : r;
  });
}

/**
 * Reads and validates a vocabulary file.
 *
 * @throws InputError `{ file }` when the file cannot be read, or as {@link parseVocabYaml}
 */
export function readVocabFile(file: string, opts: { checkPatterns?: boolean } = {}): VocabFile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new InputError(`cannot read vocabulary ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, { file });
  }
  return { vocab: parseVocabYaml(bytes.toString('utf8'), file, opts), bytes };
}
