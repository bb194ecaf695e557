/**
 * Rules on report data that hold before rendering (reference §2, DESIGN §7), returned as data.
 */
import { RUN_DOCUMENTS } from '../kb/runDocuments.js';
import type { ReportData } from './ReportData.js';
import type { ReportIssue } from './ReportRejected.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Checks report data. Returns [] when it may be rendered.
 * - `kind` is one of the 13 run documents; `runId` a UUID
 * - `nextSteps` only on `closeout` (reference §2 forbids next steps elsewhere)
 * - `outcome` PASS or FAIL; PENDING only for a gate request (SG1, SG2); PASS with a failed invariant is contradictory
 * - `law`, when set: a one-line title and a sha256 source version
 * - artifact sha256 are 64 hex, bytes non-negative integers
 * - work lines and table cells are single-line
 */
export function validateReport(data: ReportData): ReportIssue[] {
  const issues: ReportIssue[] = [];
  const issue = (field: string, message: string): void => void issues.push({ field, message });
  if (!Object.hasOwn(RUN_DOCUMENTS, data.kind)) issue('kind', `unknown run document ${JSON.stringify(data.kind)}`);
  if (!UUID.test(data.runId)) issue('runId', 'is not a UUID');
  const gateRequest = data.kind === 'SG1' || data.kind === 'SG2';
  if (data.outcome === 'PENDING' ? !gateRequest : data.outcome !== 'PASS' && data.outcome !== 'FAIL') {
    issue('outcome', gateRequest ? 'must be PENDING, PASS or FAIL' : 'must be PASS or FAIL (PENDING is for gate requests only)');
  }
  if (data.law !== undefined) {
    if (data.law.title.trim() === '' || data.law.title.includes('\n')) issue('law.title', 'must be one non-empty line');
    if (!/^[0-9a-f]{64}$/.test(data.law.sourceVersionId)) issue('law.sourceVersionId', 'is not sha256 hex');
  }
  if (data.productionMutation.trim() === '' || data.productionMutation.includes('\n')) {
    issue('productionMutation', 'must be NONE or a one-line scope');
  }
  if (data.nextSteps !== undefined && data.nextSteps.length > 0 && data.kind !== 'closeout') {
    issue('nextSteps', 'next steps are allowed in the final report only');
  }
  if (data.outcome === 'PASS') {
    data.invariants.forEach((row, i) => {
      if (!row.ok) issue(`invariants.${i}.ok`, 'outcome PASS with a failed invariant');
    });
  }
  data.artifacts.forEach((row, i) => {
    if (!/^[0-9a-f]{64}$/.test(row.sha256)) issue(`artifacts.${i}.sha256`, 'is not sha256 hex');
    if (!Number.isSafeInteger(row.bytes) || row.bytes < 0) issue(`artifacts.${i}.bytes`, 'is not a byte count');
  });
  data.work.forEach((line, i) => {
    if (line.includes('\n')) issue(`work.${i}`, 'must be one line');
  });
  data.nextSteps?.forEach((line, i) => {
    if (line.includes('\n')) issue(`nextSteps.${i}`, 'must be one line');
  });
  const cells: [string, unknown][] = [
    ...data.diff.flatMap((row, i) => Object.entries(row).map(([key, value]) => [`diff.${i}.${key}`, value] as [string, unknown])),
    ...data.invariants.flatMap((row, i) =>
      Object.entries(row).map(([key, value]) => [`invariants.${i}.${key}`, value] as [string, unknown]),
    ),
    ...data.artifacts.map((row, i) => [`artifacts.${i}.path`, row.path] as [string, unknown]),
    ...(data.matrix === undefined ? [] : [['matrix.caption', data.matrix.caption] as [string, unknown]]),
    ...(data.matrix?.rows ?? []).flatMap((row, i) => row.map((value, j) => [`matrix.rows.${i}.${j}`, value] as [string, unknown])),
  ];
  for (const [field, value] of cells) {
    if (typeof value === 'string' && value.includes('\n')) issue(field, 'must be one line');
  }
  return issues;
}
