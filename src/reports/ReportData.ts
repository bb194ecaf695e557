/**
 * What a phase hands to the report renderer (reference §2, DESIGN §7): the content of the fixed
 * template as data. The renderer owns the layout; phases never write markdown themselves.
 */
import type { RunDocumentKey } from '../kb/runDocuments.js';

/** A YAML-able value: what `yaml` can write deterministically. */
export type YamlValue = string | number | boolean | null | readonly YamlValue[] | { readonly [key: string]: YamlValue };

/** A table cell: printed as is (strings), or as decimal (numbers), `true`/`false`, `—` for null. */
export type Cell = string | number | boolean | null;

/** One row of "Live snapshot diff (pre vs post)": integers or sha256s that changed. */
export interface DiffRow {
  item: string;
  pre: Cell;
  post: Cell;
}

/** One row of "Internal-gate invariants". */
export interface InvariantRow {
  invariant: string;
  expected: Cell;
  observed: Cell;
  ok: boolean;
}

/** One row of "Artifacts produced". */
export interface ArtifactRow {
  /** KB-relative or sidecar path; never a URL with credentials. */
  path: string;
  /** sha256 hex. */
  sha256: string;
  /** Size in bytes. */
  bytes: number;
}

/** A grid of checks: `caption` above it, `header[0]` names the row labels. */
export interface ReportMatrix {
  caption: string;
  header: readonly string[];
  rows: readonly (readonly Cell[])[];
}

/** The law a report is about: title from `document.yaml`, law-id and source version (sha256 hex). */
export interface ReportLaw {
  title: string;
  documentId: string;
  sourceVersionId: string;
}

/** The data of one phase or gate-request report. */
export interface ReportData {
  /** Which of the 13 run documents this is; gives the title's phase name and number label. */
  kind: RunDocumentKey;
  /** The run's UUID. */
  runId: string;
  /** PENDING only for a gate request: it waits for a sovereign's decision (issue 12). */
  outcome: 'PASS' | 'FAIL' | 'PENDING';
  /**
   * The law the run cuts, printed in the header of every run document (issue 12: a person reading
   * one report sees which law and which source version it is about). Set by the publisher from the
   * document's `document.yaml`; optional so reports of earlier releases still render.
   */
  law?: ReportLaw;
  /** `NONE`, or the scope of what was written to production (e.g. `cutter.iu: us-const`). */
  productionMutation: string;
  /** Section 1: the relevant RunContext pins (never the whole sidecar); ≤ 50 YAML lines shown. */
  inputs: { readonly [key: string]: YamlValue };
  /** Section 2: one line per step. */
  work: readonly string[];
  /** Section 3. */
  diff: readonly DiffRow[];
  /** Section 4. */
  invariants: readonly InvariantRow[];
  /**
   * Section 4, after the invariants: checks that read better as a grid (the grant probe's
   * privileges × tables, issue 12). Each cell is what was observed, marked when not as expected.
   */
  matrix?: ReportMatrix;
  /** Section 5. */
  artifacts: readonly ArtifactRow[];
  /** Section 6, written as YAML. */
  verdict: { readonly [key: string]: YamlValue };
  /** Only for `closeout` (reference §2: next steps live in the final report only). */
  nextSteps?: readonly string[];
}
