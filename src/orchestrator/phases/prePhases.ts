/**
 * Phases 1–3 (DESIGN §4): source_pin, mark, cutplan. Pure computations over the live document plus
 * one idempotent DB write (the source version registration) and one report each.
 */
import { StopError } from '../../errors.js';
import { registerSourceVersion } from '../../ledger/registerSourceVersion.js';
import { markKey, sourcePinKey } from '../../sidecar/phaseKeys.js';
import type { PhaseActorInput, PhaseOutput } from '../../../machines/types.js';
import { liveDocument, type LiveDocument } from '../liveDocument.js';
import { keyOf, type PhaseDeps } from '../PhaseDeps.js';
import { countsByKind, invariant, phaseReport } from '../phaseReport.js';
import { publishRunDocument } from '../publishRunDocument.js';

/** Reads the live document and refuses when its bytes are no longer the run's source version. */
export function liveSourceOfRun(deps: PhaseDeps): LiveDocument {
  const run = deps.run;
  const live = liveDocument(deps.config.kbDir, run.law_id);
  if (live.doc.sourceVersionId !== run.source_version_id) {
    throw new StopError('STOP_DRIFT', `the source of ${run.law_id} changed: it now hashes to ${live.doc.sourceVersionId.slice(0, 16)}…, this run cuts ${run.source_version_id.slice(0, 16)}…`, {
      runId: run.run_id,
      next: 'restore the source file, or void this run and cut the new source version',
    });
  }
  return live;
}

const MAX_REPORT_WARNINGS = 20;

/** Phase 1: pin the manifest digest and register the source version (idempotent). */
export async function sourcePin(deps: PhaseDeps, { context }: PhaseActorInput): Promise<PhaseOutput> {
  const run = deps.run;
  const live = liveSourceOfRun(deps);
  const manifest = live.manifestDigest();
  const mark = live.mark();
  await deps.db.transaction(
    (tx) => registerSourceVersion(tx, { document_id: run.document_id, source_version_id: run.source_version_id, manifest_digest: manifest }),
    { scope: 'source_pin', role: deps.config.writerRole },
  );
  const key = sourcePinKey(run.document_id, run.source_version_id);
  const upload = await publishRunDocument(deps, 'source_pin', phaseReport(deps, 'source_pin', context, {
    productionMutation: `cutter.source_version: ${run.document_id}`,
    work: [
      'layer-1 replay check on the sidecars passed before any DB connect',
      `read ${live.doc.sourcePath.split('/').pop() ?? 'source'} (${live.doc.sourceBytes.length} bytes) and vocabulary ${live.doc.document.vocab === undefined ? '' : typeof live.doc.document.vocab === 'string' ? live.doc.document.vocab : 'inline'}`.trim(),
      `computed manifest_digest over {document_id, source_version_id, region ${mark.start}..${mark.end}, vocab}`,
      'registered the source version in cutter.source_version (idempotent: a row with the same manifest digest is adopted)',
    ],
    diff: [{ item: 'cutter.source_version rows for this version', pre: null, post: 1 }],
    invariants: [invariant('source bytes hash to source_version_id', run.source_version_id, live.doc.sourceVersionId)],
    artifacts: [{ path: `knowledge/dev/laws/${run.law_id}/${live.doc.sourcePath.split('/').pop() ?? ''}`, sha256: run.source_version_id, bytes: live.doc.sourceBytes.length }],
    verdict: { manifest_digest: manifest, key },
  }));
  return { pins: { manifest_digest: manifest }, keys: { source_pin: key }, upload };
}

/** Phase 2: extract the region; pin region_sha. */
export async function mark(deps: PhaseDeps, { context }: PhaseActorInput): Promise<PhaseOutput> {
  const live = liveSourceOfRun(deps);
  const m = live.mark();
  const prev = keyOf(context, 'source_pin');
  const key = markKey(prev, m.regionSha);
  const excludedBytes = m.excluded.reduce((n, s) => n + s.length, 0);
  const reasons: Record<string, number> = {};
  for (const s of m.excluded) reasons[s.reason] = (reasons[s.reason] ?? 0) + 1;
  const upload = await publishRunDocument(deps, 'mark', phaseReport(deps, 'mark', context, {
    work: [
      `found the region by the vocabulary's markers: bytes ${m.start}..${m.end} (${m.end - m.start} bytes)`,
      `excluded ${m.excluded.length} spans (${excludedBytes} bytes): ${Object.entries(reasons).sort().map(([r, n]) => `${r} ×${n}`).join(', ') || 'none'}`,
      'region_sha = sha256 of the region UTF-8 bytes',
    ],
    diff: [{ item: 'region_sha', pre: null, post: m.regionSha }],
    invariants: [invariant('manifest digest unchanged since source_pin', context.pins.manifest_digest ?? null, live.manifestDigest())],
    verdict: { region_sha: m.regionSha, region_start: m.start, region_end: m.end, excluded_spans: m.excluded.length, key },
  }));
  return { pins: { region_sha: m.regionSha }, keys: { mark: key }, upload };
}

/** Phase 3: the IU rowset and writer_digest (the phase key, reference §4). */
export async function cutplan(deps: PhaseDeps, { context }: PhaseActorInput): Promise<PhaseOutput> {
  const live = liveSourceOfRun(deps);
  const rows = live.plan();
  const digest = live.writerDigest();
  const counts = countsByKind(rows);
  const warnings = live.planWarnings();
  const upload = await publishRunDocument(deps, 'cutplan', phaseReport(deps, 'cutplan', context, {
    work: [
      `parsed the region into ${rows.length} information units in document order`,
      'canonical addresses are <DOC_PREFIX>/<eId> (Akoma Ntoso naming); no duplicate address',
      'writer_digest = sha256 of RFC 8785 JSON of the rowset sorted by canonical_address',
      // The sovereign signs SG1 over this plan: what the cutter kept as text although it looked like
      // structure is shown here, not only in the operator's `plan`.
      ...(warnings.length === 0 ? [] : [
        `the plan gave ${warnings.length} warning(s); read them before approving SG1:`,
        ...warnings.slice(0, MAX_REPORT_WARNINGS).map((w) => `warning: ${w}`),
        ...(warnings.length > MAX_REPORT_WARNINGS ? [`… ${warnings.length - MAX_REPORT_WARNINGS} more (orchestrate plan --document-id ${deps.run.law_id} --json lists all)`] : []),
      ]),
    ],
    diff: Object.entries(counts).map(([k, n]) => ({ item: `planned IUs: ${k}`, pre: 0, post: n })),
    invariants: [
      invariant('region_sha unchanged since mark', context.pins.region_sha ?? null, live.mark().regionSha),
      invariant('canonical addresses unique', rows.length, new Set(rows.map((r) => r.canonical_address)).size),
    ],
    verdict: { writer_digest: digest, iu_count: rows.length, first_address: rows[0]?.canonical_address ?? null, last_address: rows.at(-1)?.canonical_address ?? null },
  }));
  return { pins: { writer_digest: digest }, keys: { cutplan: digest }, upload };
}
