/**
 * `orchestrate document add` (issue 3 item 1): adds a law to the KB. A plain function; the CLI wires
 * it into commander as `document add --law-id X --doc-prefix X --title T --source FILE --vocab NAME|FILE`.
 */
import path from 'node:path';
import { addDocument, type AddDocumentResult } from '../documents/addDocument.js';
import type { KbWriter } from '../documents/kbWriter.js';

/** Options of {@link documentAdd}; relative paths resolve from `cwd`. */
export interface DocumentAddOptions {
  cwd: string;
  kbDir: string;
  lawId: string;
  docPrefix: string;
  title: string;
  /** Source file path. */
  source: string;
  /** Shipped vocabulary name or vocabulary file path. */
  vocab: string;
  kb: KbWriter;
}

/** Result: what was written, the next command, plus a one-paragraph human summary. */
export interface DocumentAddResult extends AddDocumentResult {
  next: string;
  text: string;
}

/**
 * Adds the document and summarises what was committed.
 *
 * @throws InputError (exit 2) on bad input, as `addDocument`; KB errors propagate
 */
export async function documentAdd(opts: DocumentAddOptions): Promise<DocumentAddResult> {
  const result = await addDocument({
    cwd: opts.cwd,
    kbDir: path.resolve(opts.cwd, opts.kbDir),
    lawId: opts.lawId,
    docPrefix: opts.docPrefix,
    title: opts.title,
    sourceFile: opts.source,
    vocab: opts.vocab,
    kb: opts.kb,
  });
  const next = `orchestrate plan --document-id ${result.law_id}`;
  const lines = [
    `added ${result.doc_prefix} (${result.law_id}) at ${result.document_path}`,
    `source version ${result.source_version_id} (${result.source_path})`,
    `a cut would write ${result.units} information units`,
    ...(result.warnings === 0 ? [] : [`${result.warnings} warning(s) about lines that look like headings or blocks left without an address: read them in orchestrate plan before cutting`]),
    ...result.uploads.map((u) => `  ${u.path}  ${u.bytes} bytes  sha256 ${u.sha256}  commit ${u.commit.slice(0, 12)}`),
    `next: ${next}`,
  ];
  return { ...result, next, text: lines.join('\n') };
}
