/**
 * The one renderer of the fixed report template (reference §2, DESIGN §7).
 *
 * Layout:
 * ```
 * # <Phase Name> · <NN> of 11 · <run_id>        (gate requests: # <Name> · SG1 · <run_id>)
 *
 * > ```yaml
 * > phase : <phase key>
 * > law : <title from document.yaml>             (when the publisher knows the law)
 * > document_id : <law-id>
 * > source_version : <sha256 of the source>
 * > outcome : PASS | FAIL | PENDING               (PENDING: gate requests only)
 * > production_mutation : NONE | <scope>
 * > run_id : <run_id>
 * > ```
 *
 * ## 1. Inputs (RunContext snapshot)   YAML block, ≤ 50 lines (truncated with a marker line)
 * ## 2. Work performed                 one bullet per step
 * ## 3. Live snapshot diff (pre vs post) table item | pre | post
 * ## 4. Internal-gate invariants       table invariant | expected | observed | ok
 * ## 5. Artifacts produced             table path | sha256 | bytes
 * ## 6. Verdict                        YAML block; closeout only: "### Next steps" bullets
 * ```
 * Deterministic: YAML maps are written with sorted keys and no line folding, there is no clock
 * read, and lines end in `\n` — the same data gives the same bytes (a gate request is what the
 * sovereign signs against).
 */
import { stringify } from 'yaml';
import { RUN_DOCUMENTS } from '../kb/runDocuments.js';
import { markdownTable } from './markdownTable.js';
import type { ReportData, YamlValue } from './ReportData.js';
import { ReportRejected } from './ReportRejected.js';
import { validateReport } from './validateReport.js';

/** Most lines a report may have (reference §2). */
export const REPORT_MAX_LINES = 250;

/** Most lines of the inputs excerpt, marker included (reference §2: sidecar excerpt ≤ 50 lines). */
export const INPUTS_MAX_LINES = 50;

/** Deterministic YAML lines of a map: sorted keys, no folding of long strings. */
function yamlLines(value: { readonly [key: string]: YamlValue }): string[] {
  if (Object.keys(value).length === 0) return ['{}'];
  return stringify(value, { sortMapEntries: true, lineWidth: 0 }).replace(/\n$/, '').split('\n');
}

/** A header value as a YAML scalar (quoted when plain text would not parse, e.g. `a: b`). */
function yamlScalar(value: string): string {
  return stringify(value, { lineWidth: 0 }).trim();
}

/** Cuts `lines` to `max` lines, the last being a YAML comment that says how many were left out. */
export function truncateLines(lines: readonly string[], max: number, runId: string): string[] {
  if (lines.length <= max) return [...lines];
  const kept = lines.slice(0, max - 1);
  return [...kept, `# … truncated: ${lines.length - kept.length} more lines (full RunContext: sidecars/${runId}.json)`];
}

/** The title line: phases `· NN of 11 ·`, gate requests `· SG1 ·` (they are not numbered phases). */
export function reportTitle(data: Pick<ReportData, 'kind' | 'runId'>): string {
  const spec = RUN_DOCUMENTS[data.kind];
  const position = /^\d+$/.test(spec.label) ? `${spec.label} of 11` : spec.label;
  return `# ${spec.phaseName} · ${position} · ${data.runId}`;
}

/**
 * Renders a report.
 *
 * @returns the markdown text, `\n` line ends, final newline
 * @throws ReportRejected listing every issue of {@link validateReport}, or the line count when the
 *   text would exceed {@link REPORT_MAX_LINES}
 */
export function renderReport(data: ReportData): string {
  const issues = validateReport(data);
  if (issues.length > 0) throw new ReportRejected(issues);
  const lines: string[] = [
    reportTitle(data),
    '',
    '> ```yaml',
    `> phase : ${yamlScalar(data.kind)}`,
    ...(data.law === undefined
      ? []
      : [`> law : ${yamlScalar(data.law.title)}`, `> document_id : ${yamlScalar(data.law.documentId)}`, `> source_version : ${yamlScalar(data.law.sourceVersionId)}`]),
    `> outcome : ${yamlScalar(data.outcome)}`,
    `> production_mutation : ${yamlScalar(data.productionMutation)}`,
    `> run_id : ${yamlScalar(data.runId)}`,
    '> ```',
    '',
    '## 1. Inputs (RunContext snapshot)',
    '',
    '```yaml',
    ...truncateLines(yamlLines(data.inputs), INPUTS_MAX_LINES, data.runId),
    '```',
    '',
    '## 2. Work performed',
    '',
    ...(data.work.length === 0 ? ['- (no steps)'] : data.work.map((step) => `- ${step}`)),
    '',
    '## 3. Live snapshot diff (pre vs post)',
    '',
    ...(data.diff.length === 0
      ? ['_No live state changed._']
      : markdownTable(['item', 'pre', 'post'], data.diff.map((row) => [row.item, row.pre, row.post]))),
    '',
    '## 4. Internal-gate invariants',
    '',
    ...(data.invariants.length === 0
      ? ['_No invariants checked._']
      : markdownTable(
          ['invariant', 'expected', 'observed', 'ok'],
          data.invariants.map((row) => [row.invariant, row.expected, row.observed, row.ok ? 'yes' : 'NO']),
        )),
    ...(data.matrix === undefined ? [] : ['', data.matrix.caption, '', ...markdownTable(data.matrix.header, data.matrix.rows)]),
    '',
    '## 5. Artifacts produced',
    '',
    ...(data.artifacts.length === 0
      ? ['_No artifacts._']
      : markdownTable(['path', 'sha256', 'bytes'], data.artifacts.map((row) => [row.path, row.sha256, row.bytes]))),
    '',
    '## 6. Verdict',
    '',
    '```yaml',
    ...yamlLines(data.verdict),
    '```',
  ];
  if (data.nextSteps !== undefined && data.nextSteps.length > 0) {
    lines.push('', '### Next steps', '', ...data.nextSteps.map((step) => `- ${step}`));
  }
  if (lines.length > REPORT_MAX_LINES) {
    throw new ReportRejected([{ field: 'text', message: `${lines.length} lines, more than ${REPORT_MAX_LINES}` }]);
  }
  return `${lines.join('\n')}\n`;
}
