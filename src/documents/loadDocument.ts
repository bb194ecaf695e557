/**
 * Loading a document of the KB with its source version and vocabulary (issue 3 item 1, DESIGN §3).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';
import type { Vocab } from '../cutter/vocabSchema.js';
import { documentDir, documentSchema, type DocumentYaml } from './documentSchema.js';
import { LAW_ID_PATTERN } from './lawIdFor.js';
import { parseYamlStrict } from './parseYamlStrict.js';
import { resolveVocab, type ResolvedVocab } from './resolveVocab.js';

/** A loaded document: everything MARK and CUTPLAN need, plus the ids the run pins. */
export interface LoadedDocument {
  document: DocumentYaml;
  /** Absolute path of document.yaml. */
  documentPath: string;
  /** Absolute path of the source file. */
  sourcePath: string;
  /** The exact source bytes (the source version). */
  sourceBytes: Uint8Array;
  /** sha256 hex of `sourceBytes` (DESIGN §2). */
  sourceVersionId: string;
  /** Validated vocabulary (defaults filled in): the object `manifestDigest` covers. */
  vocab: Vocab;
  /** Bytes defining the vocabulary (file bytes, or canonical JSON of an inline one). */
  vocabBytes: Uint8Array;
  vocabOrigin: ResolvedVocab['origin'];
}

/**
 * Reads and validates `knowledge/dev/laws/<lawId>/document.yaml` alone (no source bytes, no
 * vocabulary): what a report header needs.
 *
 * @returns the validated document.yaml, its absolute path and its directory
 * @throws InputError naming file and field when the law-id is malformed, document.yaml is missing,
 *   not YAML, fails its schema or names another law
 */
export function readDocumentYaml(kbDir: string, lawId: string): { document: DocumentYaml; documentPath: string; dir: string } {
  if (!LAW_ID_PATTERN.test(lawId)) throw new InputError(`"${lawId}" is not a law-id (lowercase slug such as us-const)`, { field: 'document-id' });
  const dir = path.resolve(kbDir, documentDir(lawId));
  const documentPath = path.join(dir, 'document.yaml');
  if (!existsSync(documentPath)) {
    throw new InputError(`no document ${lawId} in the KB: ${documentPath} does not exist`, { file: documentPath, field: 'document-id' }, [], 'orchestrate document add --law-id … to add it');
  }
  const document = parseYamlStrict(readFileSync(documentPath, 'utf8'), documentPath, 'document.yaml', (input) => {
    const r = documentSchema.safeParse(input);
    return r.success ? { ok: true, value: r.data } : { ok: false, issues: r.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message })) };
  });
  if (document.law_id !== lawId) {
    throw new InputError(`document.yaml in ${documentDir(lawId)} declares law_id ${document.law_id}`, { file: documentPath, field: 'law_id' });
  }
  return { document, documentPath, dir };
}

/**
 * Reads `knowledge/dev/laws/<lawId>/document.yaml` under `kbDir`, its source file and vocabulary.
 *
 * @param kbDir - the KB work tree root
 * @param lawId - the law-id (`us-const`)
 * @param opts.vocabDir - shipped vocabulary directory override (tests)
 * @throws InputError naming file, line/offset where known, and field, when the law-id is malformed,
 *   document.yaml is missing, not YAML, fails its schema or names another law, the source is
 *   missing, or the vocabulary cannot be resolved or fails its schema
 */
export function loadDocument(kbDir: string, lawId: string, opts: { vocabDir?: string } = {}): LoadedDocument {
  const { document, documentPath, dir } = readDocumentYaml(kbDir, lawId);
  const sourcePath = path.join(dir, document.source);
  let sourceBytes: Uint8Array;
  try {
    sourceBytes = readFileSync(sourcePath);
  } catch {
    throw new InputError(`source file ${document.source} named in document.yaml is missing`, { file: documentPath, field: 'source' });
  }
  const resolved = resolveVocab(document.vocab, { baseDir: dir, file: documentPath, within: path.resolve(kbDir), ...(opts.vocabDir === undefined ? {} : { vocabDir: opts.vocabDir }) });
  return {
    document,
    documentPath,
    sourcePath,
    sourceBytes,
    sourceVersionId: createHash('sha256').update(sourceBytes).digest('hex'),
    vocab: resolved.vocab,
    vocabBytes: resolved.vocabBytes,
    vocabOrigin: resolved.origin,
  };
}
