/**
 * The auditor's verdict on one run (`orchestrate verify --run-id R`, DESIGN §1 "auditors … can verify
 * any run"): one row per check, each naming what it expected and what it observed.
 */
import type { RunState } from '../../machines/runView.js';

/**
 * One check. `check` is a stable dotted name, grouped by its first segment (`sidecar`, `kb`,
 * `approval`, `source`, `db`, `lossless`, `backup`); `expected` / `observed` are short one-line
 * values (digests, counts, states); `detail` says why a failing row failed, or what an OK row had
 * to take into account (e.g. a newer source version). Never holds a secret.
 */
export interface VerifyCheck {
  check: string;
  ok: boolean;
  expected?: string;
  observed?: string;
  detail?: string;
}

/** The result of verifying one run: `ok` when every check passed. */
export interface VerifyReport {
  ok: boolean;
  run_id: string;
  /** The sidecar's run state, or `unreadable` when the sidecar does not parse. */
  state: RunState | 'unreadable';
  checks: VerifyCheck[];
}

/** A row comparing two values: ok when they are equal (strict). Values print as strings. */
export function compareCheck(check: string, expected: unknown, observed: unknown, detail?: string): VerifyCheck {
  const row: VerifyCheck = { check, ok: expected === observed, expected: show(expected), observed: show(observed) };
  return detail === undefined ? row : { ...row, detail };
}

/** A row from a list of problems: ok when `problems` is empty; the problems become the detail. */
export function problemsCheck(check: string, problems: readonly string[], fields: { expected?: string; observed?: string; okDetail?: string } = {}): VerifyCheck {
  const row: VerifyCheck = { check, ok: problems.length === 0 };
  if (fields.expected !== undefined) row.expected = fields.expected;
  if (fields.observed !== undefined) row.observed = fields.observed;
  if (problems.length > 0) row.detail = problems.join('; ');
  else if (fields.okDetail !== undefined) row.detail = fields.okDetail;
  return row;
}

/** Prints a value for a row: strings as is, absent values as `(none)`, the rest as JSON. */
export function show(value: unknown): string {
  if (value === undefined || value === null) return '(none)';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}
