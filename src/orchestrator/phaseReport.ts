/**
 * Builds a phase's ReportData (reference §2) with the run's common inputs, so each phase only
 * states what it did. Content is deterministic: no clock values, so a re-run renders the same bytes.
 */
import type { RunDocumentKey } from '../kb/runDocuments.js';
import type { ArtifactRow, DiffRow, InvariantRow, ReportData, ReportMatrix, YamlValue } from '../reports/ReportData.js';
import type { CutContext } from '../../machines/types.js';
import type { PhaseDeps } from './PhaseDeps.js';

/** What a phase supplies; everything else has a default. */
export interface PhaseReportFields {
  work: string[];
  inputs?: Record<string, YamlValue>;
  diff?: DiffRow[];
  invariants?: InvariantRow[];
  matrix?: ReportMatrix;
  artifacts?: ArtifactRow[];
  verdict?: Record<string, YamlValue>;
  productionMutation?: string;
  outcome?: 'PASS' | 'FAIL';
  nextSteps?: string[];
}

/** The pins a report shows as its inputs: the ones set so far, never the whole sidecar (reference §2). */
export function pinnedInputs(deps: PhaseDeps, context: CutContext): Record<string, YamlValue> {
  const run = deps.run;
  const pins: Record<string, YamlValue> = {};
  for (const [k, v] of Object.entries(context.pins)) if (v !== undefined) pins[k] = v;
  return {
    run_id: run.run_id,
    document_id: run.document_id,
    doc_prefix: run.doc_prefix,
    source_version_id: run.source_version_id,
    kb_folder: run.kb_folder,
    context_pins: pins,
  };
}

/** Fills the template fields around a phase's own content. */
export function phaseReport(deps: PhaseDeps, key: RunDocumentKey, context: CutContext, f: PhaseReportFields): ReportData {
  const outcome = f.outcome ?? 'PASS';
  return {
    kind: key,
    runId: deps.run.run_id,
    outcome,
    productionMutation: f.productionMutation ?? 'NONE',
    inputs: f.inputs ?? pinnedInputs(deps, context),
    work: f.work,
    diff: f.diff ?? [],
    invariants: f.invariants ?? [],
    ...(f.matrix === undefined ? {} : { matrix: f.matrix }),
    artifacts: f.artifacts ?? [],
    verdict: { phase: key, outcome, ...(f.verdict ?? {}) },
    ...(f.nextSteps === undefined ? {} : { nextSteps: f.nextSteps }),
  };
}

/** One invariant row. */
export function invariant(name: string, expected: string | number | boolean | null, observed: string | number | boolean | null): InvariantRow {
  return { invariant: name, expected, observed, ok: expected === observed };
}

/** Counts of units per kind plus `total`, sorted by kind for deterministic output. */
export function countsByKind(rows: readonly { unit_kind: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of rows) counts[r.unit_kind] = (counts[r.unit_kind] ?? 0) + 1;
  return sortedCounts(counts);
}

/**
 * `{ total, <kind>: n, … }` from a tally of units per kind, kinds in sorted order: the shape of
 * {@link countsByKind}, for counts taken in SQL.
 */
export function sortedCounts(byKind: Readonly<Record<string, number>>): Record<string, number> {
  const sorted: Record<string, number> = { total: Object.values(byKind).reduce((a, b) => a + b, 0) };
  for (const k of Object.keys(byKind).sort()) sorted[k] = byKind[k] ?? 0;
  return sorted;
}
