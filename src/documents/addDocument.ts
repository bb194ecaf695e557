/**
 * Adding a document to the KB (issue 3 item 1, DESIGN §3): the source file and document.yaml (and a
 * user-supplied vocabulary file) are uploaded through the injected {@link KbWriter}, one commit each.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { InputError } from '../errors.js';
import { markRegion } from '../cutter/markRegion.js';
import { planCutDetailed } from '../cutter/planCut.js';
import { documentDir, type DocumentYaml } from './documentSchema.js';
import type { KbUploadResult, KbWriter } from './kbWriter.js';
import { DOC_PREFIX_PATTERN, lawIdFor } from './lawIdFor.js';
import { resolveVocab, VOCAB_NAME_PATTERN } from './resolveVocab.js';

/** Options of {@link addDocument}. */
export interface AddDocumentOptions {
  /** KB work tree root. */
  kbDir: string;
  /** law-id; must equal the slug of `docPrefix`. */
  lawId: string;
  docPrefix: string;
  title: string;
  /** Directory relative paths resolve from (default: the process cwd). */
  cwd?: string;
  /** Path of the source file to copy into the KB (absolute, or relative to `cwd`). */
  sourceFile: string;
  /** Shipped vocabulary name, a vocabulary file path (absolute or relative to `cwd`), or an inline vocabulary. */
  vocab: string | Record<string, unknown>;
  kb: KbWriter;
  /** Shipped vocabulary directory override (tests). */
  vocabDir?: string;
}

/** What {@link addDocument} wrote. Paths are KB-relative. */
export interface AddDocumentResult {
  law_id: string;
  doc_prefix: string;
  document_path: string;
  source_path: string;
  source_version_id: string;
  /** Number of IUs a cut of this source version would write (dry-run plan). */
  units: number;
  /** How many warnings the dry-run plan gave (issue 10); `plan` lists them. */
  warnings: number;
  uploads: KbUploadResult[];
}

const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Validates everything first (ids, source, vocabulary, a full dry-run plan), then uploads the source,
 * the vocabulary file when one was given by path (as `vocab.yaml` beside document.yaml), and
 * document.yaml last, so a KB never holds a document.yaml whose files are missing.
 *
 * @throws InputError on a bad law-id/doc_prefix/title, an existing document, an unreadable source, a
 *   bad vocabulary or a source the vocabulary cannot cut (nothing is uploaded then); errors of
 *   `kb.upload` propagate unchanged
 */
export async function addDocument(opts: AddDocumentOptions): Promise<AddDocumentResult> {
  const { kbDir, lawId, docPrefix, title, kb } = opts;
  if (!DOC_PREFIX_PATTERN.test(docPrefix)) throw new InputError(`doc prefix "${docPrefix}" must be letters, digits, . _ - (no /)`, { field: 'doc-prefix' });
  if (lawId !== lawIdFor(docPrefix)) throw new InputError(`law-id must be the lowercase slug of the doc prefix: expected "${lawIdFor(docPrefix)}", got "${lawId}"`, { field: 'law-id' });
  if (title.trim() === '') throw new InputError('title must not be empty', { field: 'title' });
  const dir = documentDir(lawId);
  if (existsSync(path.join(kbDir, dir, 'document.yaml'))) {
    throw new InputError(`document ${lawId} already exists in the KB (${dir}/document.yaml); edit its source file to make a new source version`, { file: path.join(kbDir, dir, 'document.yaml'), field: 'law-id' });
  }
  const cwd = opts.cwd ?? process.cwd();
  const sourceFile = path.resolve(cwd, opts.sourceFile);
  let sourceBytes: Buffer;
  try {
    sourceBytes = readFileSync(sourceFile);
  } catch (e) {
    throw new InputError(`cannot read source ${opts.sourceFile}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, { file: opts.sourceFile, field: 'source' });
  }
  const base = path.basename(sourceFile);
  const sourceName = FILE_NAME.test(base) && base !== 'document.yaml' && base !== 'vocab.yaml' ? base : 'source.txt';

  const byPath = typeof opts.vocab === 'string' && !VOCAB_NAME_PATTERN.test(opts.vocab);
  const resolved = resolveVocab(opts.vocab, { baseDir: cwd, file: '--vocab', ...(opts.vocabDir === undefined ? {} : { vocabDir: opts.vocabDir }) });
  const sourceVersionId = createHash('sha256').update(sourceBytes).digest('hex');
  const mark = markRegion(sourceBytes, resolved.vocab, { file: sourceFile });
  const { rows: units, warnings } = planCutDetailed(mark, resolved.vocab, { documentId: lawId, docPrefix, sourceVersionId });

  const document: DocumentYaml = {
    law_id: lawId,
    doc_prefix: docPrefix,
    title,
    source: sourceName,
    vocab: byPath ? 'vocab.yaml' : (opts.vocab as DocumentYaml['vocab']),
  };
  const uploads: KbUploadResult[] = [];
  uploads.push(await kb.upload(`${dir}/${sourceName}`, sourceBytes, `document ${lawId}: source ${sourceVersionId.slice(0, 16)}`));
  if (byPath) uploads.push(await kb.upload(`${dir}/vocab.yaml`, resolved.vocabBytes, `document ${lawId}: vocabulary ${resolved.vocab.name}`));
  uploads.push(await kb.upload(`${dir}/document.yaml`, stringify(document), `document ${lawId}: add ${docPrefix} "${title}"`));
  return {
    law_id: lawId,
    doc_prefix: docPrefix,
    document_path: `${dir}/document.yaml`,
    source_path: `${dir}/${sourceName}`,
    source_version_id: sourceVersionId,
    units: units.length,
    warnings: warnings.length,
    uploads,
  };
}
