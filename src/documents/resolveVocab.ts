/**
 * Resolves the `vocab` field of document.yaml: a shipped vocabulary name, a file path relative to
 * document.yaml, or an inline vocabulary object (issue 3 item 1).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import canonicalize from 'canonicalize';
import { InputError } from '../errors.js';
import { parseVocab, type Vocab } from '../cutter/vocabSchema.js';
import { readVocabFile } from './readVocabFile.js';
import { shippedVocabDir } from './shippedVocabDir.js';

/** A resolved vocabulary: validated object, the bytes that define it, and where it came from. */
export interface ResolvedVocab {
  vocab: Vocab;
  /** File bytes for a shipped or file vocabulary; RFC 8785 canonical JSON (UTF-8) for an inline one. */
  vocabBytes: Uint8Array;
  origin: { kind: 'shipped'; name: string; path: string } | { kind: 'file'; path: string } | { kind: 'inline' };
}

/** A shipped vocabulary name: lowercase slug, no path separator or extension. */
export const VOCAB_NAME_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/**
 * @param ref - the `vocab` value (name, relative path, or object)
 * @param opts.baseDir - directory of document.yaml (relative paths resolve from it)
 * @param opts.file - the file that holds `ref`, for messages (document.yaml)
 * @param opts.vocabDir - shipped vocabulary directory (default {@link shippedVocabDir})
 * @param opts.within - when set, a file vocabulary must lie inside this directory (the KB)
 * @throws InputError `{ file, field: 'vocab' }` for an unknown name, a missing or escaping file, or a
 *   vocabulary failing its schema
 */
export function resolveVocab(
  ref: string | Record<string, unknown>,
  opts: { baseDir: string; file: string; vocabDir?: string; within?: string },
): ResolvedVocab {
  if (typeof ref !== 'string') {
    const result = parseVocab(ref);
    if (!result.ok) {
      throw new InputError(
        `inline vocabulary in ${opts.file} fails its schema: ${result.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
        { file: opts.file, field: `vocab.${result.issues[0]?.path ?? ''}` },
        result.issues,
      );
    }
    return { vocab: result.vocab, vocabBytes: Buffer.from(canonicalize(result.vocab) as string, 'utf8'), origin: { kind: 'inline' } };
  }
  if (VOCAB_NAME_PATTERN.test(ref)) {
    const dir = opts.vocabDir ?? shippedVocabDir();
    const file = path.join(dir, `${ref}.yaml`);
    if (!existsSync(file)) throw new InputError(`unknown vocabulary name "${ref}" in ${opts.file} (no ${ref}.yaml in ${dir})`, { file: opts.file, field: 'vocab' });
    // Shipped vocabularies are screened for slow patterns by a unit test, not on every load.
    const { vocab, bytes } = readVocabFile(file, { checkPatterns: false });
    return { vocab, vocabBytes: bytes, origin: { kind: 'shipped', name: ref, path: file } };
  }
  const file = path.resolve(opts.baseDir, ref);
  if (opts.within !== undefined && path.relative(opts.within, file).startsWith('..')) {
    throw new InputError(`vocabulary path "${ref}" in ${opts.file} leaves the KB`, { file: opts.file, field: 'vocab' });
  }
  if (!existsSync(file)) throw new InputError(`vocabulary file "${ref}" named in ${opts.file} does not exist`, { file: opts.file, field: 'vocab' });
  const { vocab, bytes } = readVocabFile(file);
  return { vocab, vocabBytes: bytes, origin: { kind: 'file', path: file } };
}
