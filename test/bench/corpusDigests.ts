/**
 * Prints the cutter's digests for the three corpus laws and the generated benchmark regulation, so
 * a change to the cutter can prove its outputs byte-identical (issue 3): run it before and after,
 * compare the JSON. Run from the compiled JS: `node dist/test/bench/corpusDigests.js > digests.json`.
 *
 * Per case: `writer_digest`, `manifest_digest`, and two wider fingerprints — `rows_sha256` (sha256
 * of the JSON of every row with every field, text included, in document order) and `mark_sha256`
 * (sha256 of the JSON of MARK's result without its text and bytes, plus the region text's own sha256).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { manifestDigest } from '../../src/cutter/manifestDigest.js';
import { markRegion } from '../../src/cutter/markRegion.js';
import { planCut } from '../../src/cutter/planCut.js';
import { writerDigest } from '../../src/cutter/writerDigest.js';
import { readVocabFile } from '../../src/documents/readVocabFile.js';
import { shippedVocabDir } from '../../src/documents/shippedVocabDir.js';
import { generatedRegulation } from './generatedRegulation.js';
import { repoRoot } from './benchCommon.js';

/** Digests of one case. */
export interface CaseDigests {
  units: number;
  writer_digest: string;
  manifest_digest: string;
  rows_sha256: string;
  mark_sha256: string;
}

const sha256 = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

/**
 * MARK, CUTPLAN and both digests of one source, as phases 1–3 compute them.
 *
 * @param bytes - the source bytes
 * @param vocabName - a shipped vocabulary (`knowledge/vocab/<name>.yaml`)
 * @param docPrefix - the address prefix; the document id is its lowercase form
 */
export function caseDigests(bytes: Uint8Array, vocabName: string, docPrefix: string): CaseDigests {
  const { vocab } = readVocabFile(path.join(shippedVocabDir(), `${vocabName}.yaml`), { checkPatterns: false });
  const sourceVersionId = sha256(bytes);
  const documentId = docPrefix.toLowerCase();
  const mark = markRegion(bytes, vocab, { file: docPrefix });
  const rows = planCut(mark, vocab, { documentId, docPrefix, sourceVersionId });
  // `bytes` (a view of the source, added by the issue 3 work) is left out so the fingerprint
  // stays comparable with one recorded before it existed; the tests check it equals `text` encoded.
  const { text, bytes: _bytes, ...markRest } = mark;
  return {
    units: rows.length,
    writer_digest: writerDigest(rows),
    manifest_digest: manifestDigest({ document_id: documentId, source_version_id: sourceVersionId, region: { start: mark.start, end: mark.end }, vocab }),
    rows_sha256: sha256(JSON.stringify(rows)),
    mark_sha256: sha256(JSON.stringify({ ...markRest, text_sha256: sha256(text) })),
  };
}

function main(): void {
  const corpus = (name: string): Buffer => readFileSync(path.join(repoRoot(), '..', 'shared', 'corpus', name, 'source.txt'));
  const gdpr = corpus('gdpr');
  const out = {
    'us-constitution': caseDigests(corpus('us-constitution'), 'nara-us-constitution', 'US-CONST'),
    udhr: caseDigests(corpus('udhr'), 'udhr', 'UN-UDHR'),
    gdpr: caseDigests(gdpr, 'eu-regulation-eurlex', 'EU-GDPR'),
    generated: caseDigests(Buffer.from(generatedRegulation(gdpr.toString('utf8'), 113), 'utf8'), 'eu-regulation-eurlex', 'BENCH'),
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
