/**
 * `orchestrate plan` (issue 3 item 7): the dry run of phases 1–3 (source pin digests, MARK,
 * CUTPLAN) for one document. Reads the KB, writes nothing (no DB, no KB). The CLI wires it into
 * commander as `plan --document-id X [--json]`.
 */
import path from 'node:path';
import { markRegion } from '../cutter/markRegion.js';
import { manifestDigest } from '../cutter/manifestDigest.js';
import { planCutDetailed } from '../cutter/planCut.js';
import { writerDigest } from '../cutter/writerDigest.js';
import { loadDocument } from '../documents/loadDocument.js';

/** Options of {@link plan}. */
export interface PlanOptions {
  kbDir: string;
  /** The law-id. */
  documentId: string;
  /** Whether the caller prints the JSON form (both forms are always returned). */
  json: boolean;
  /** Shipped vocabulary directory override (tests). */
  vocabDir?: string;
}

/**
 * One unit in the plan output: the row without its text, its UTF-8 byte length (`bytes`), and where
 * it lies in the region (`offset`, `length`: UTF-8 bytes from the region start, as `excluded`; the
 * unit's text is that span minus the excluded spans inside it, so units and excluded spans tile the
 * region and anyone can check losslessness from the source bytes alone).
 */
export interface PlanUnit {
  canonical_address: string;
  unit_kind: string;
  section_type: string;
  parent_address: string | null;
  ordinal: number;
  heading: string | null;
  content_hash: string;
  bytes: number;
  offset: number;
  length: number;
  /** Only on a number covered by a range heading: the address of the unit holding its text. */
  covered_by?: string;
}

/** The JSON form of a plan. */
export interface PlanJson {
  document_id: string;
  doc_prefix: string;
  title: string;
  source_version_id: string;
  vocab: string;
  region: { start: number; end: number; sha256: string };
  excluded: { offset: number; length: number; reason: string }[];
  counts: Record<string, number>;
  /** The cutter's warnings (issue 10), each ending in `(file:line, offset n)`. */
  warnings: string[];
  digests: { manifest_digest: string; writer_digest: string };
  units: PlanUnit[];
  /** `orchestrate cut --document-id <law-id>`. */
  next: string;
}

/**
 * Plans a cut of the document's current source version.
 *
 * @returns `json` (see {@link PlanJson}) and `text`, a readable tree summary (counts per level,
 *   first and last address)
 * @throws InputError (exit 2) on any problem with the document, its source or vocabulary
 */
export async function plan(opts: PlanOptions): Promise<{ json: PlanJson; text: string }> {
  const doc = loadDocument(opts.kbDir, opts.documentId, opts.vocabDir === undefined ? {} : { vocabDir: opts.vocabDir });
  const mark = markRegion(doc.sourceBytes, doc.vocab, { file: path.relative(opts.kbDir, doc.sourcePath) });
  const { rows, spans, warnings } = planCutDetailed(mark, doc.vocab, { documentId: doc.document.law_id, docPrefix: doc.document.doc_prefix, sourceVersionId: doc.sourceVersionId });
  const counts: Record<string, number> = {};
  for (const r of rows) counts[r.unit_kind] = (counts[r.unit_kind] ?? 0) + 1;
  const json: PlanJson = {
    document_id: doc.document.law_id,
    doc_prefix: doc.document.doc_prefix,
    title: doc.document.title,
    source_version_id: doc.sourceVersionId,
    vocab: doc.vocab.name,
    region: { start: mark.start, end: mark.end, sha256: mark.regionSha },
    excluded: mark.excluded,
    counts,
    warnings,
    digests: {
      manifest_digest: manifestDigest({ document_id: doc.document.law_id, source_version_id: doc.sourceVersionId, region: { start: mark.start, end: mark.end }, vocab: doc.vocab }),
      writer_digest: writerDigest(rows),
    },
    next: `orchestrate cut --document-id ${doc.document.law_id}`,
    units: rows.map((r, i) => ({
      canonical_address: r.canonical_address,
      unit_kind: r.unit_kind,
      section_type: r.section_type,
      parent_address: r.parent_address,
      ordinal: r.ordinal,
      heading: r.heading,
      content_hash: r.content_hash,
      bytes: Buffer.byteLength(r.text, 'utf8'),
      offset: (spans[i] as { offset: number }).offset,
      length: (spans[i] as { length: number }).length,
      ...(spans[i]?.coveredBy === undefined ? {} : { covered_by: spans[i]?.coveredBy }),
    })),
  };
  return { json, text: planText(json) };
}

const MAX_WARNINGS_SHOWN = 20;

function planText(p: PlanJson): string {
  const depthOf = (u: PlanUnit): number => u.canonical_address.split('/').slice(1).join('/').split('__').length;
  const byDepth = new Map<number, Map<string, number>>();
  for (const u of p.units) {
    const d = depthOf(u);
    const kinds = byDepth.get(d) ?? new Map<string, number>();
    kinds.set(u.unit_kind, (kinds.get(u.unit_kind) ?? 0) + 1);
    byDepth.set(d, kinds);
  }
  const excludedBytes = p.excluded.reduce((n, e) => n + e.length, 0);
  const lines = [
    `plan ${p.doc_prefix} (${p.document_id}) — ${p.title}`,
    `source version ${p.source_version_id}, vocabulary ${p.vocab}`,
    `region bytes ${p.region.start}..${p.region.end} sha256 ${p.region.sha256}`,
    `excluded ${p.excluded.length} spans, ${excludedBytes} bytes`,
    `${p.units.length} information units:`,
    ...[...byDepth.entries()].sort(([a], [b]) => a - b).map(([d, kinds]) => `${'  '.repeat(d)}level ${d}: ${[...kinds.entries()].map(([k, n]) => `${n} ${k}`).join(', ')}`),
    `first ${p.units[0]?.canonical_address ?? '-'}`,
    `last  ${p.units[p.units.length - 1]?.canonical_address ?? '-'}`,
    `manifest_digest ${p.digests.manifest_digest}`,
    `writer_digest   ${p.digests.writer_digest}`,
    `next: ${p.next}`,
  ];
  if (p.warnings.length > 0) {
    const shown = p.warnings.slice(0, MAX_WARNINGS_SHOWN);
    lines.push(`${p.warnings.length} warning(s): look at these lines before cutting`, ...shown.map((w) => `  warning: ${w}`));
    if (p.warnings.length > shown.length) lines.push(`  … ${p.warnings.length - shown.length} more (plan --json lists all)`);
  }
  return lines.join('\n');
}
