/**
 * One evidence check (DESIGN §4 internal gate, §5 replay, §11 verification): what was compared,
 * the value the run pinned, the value found in live state, and whether they agree. The internal
 * gate, the replay check and `orchestrate verify` all read the same rows.
 */

/**
 * One check. `check` is a stable dotted name grouped by its first segment (`source`, `kb`,
 * `backup`, `db`), e.g. `db.iu_content_hash`, `kb.document[03-cutplan-20250101.md]`;
 * `expected` / `observed` are short one-line values (digests, counts, ids); a failed check always
 * has a `detail` saying what differs. `skipped` marks a check that could not be run because its
 * source was not given (no database, no sidecar directory): it is not a failure (`ok: true`,
 * DESIGN §11 "reported as skipped, not failed"). Never holds a secret.
 */
export interface Check {
  check: string;
  ok: boolean;
  expected: string;
  observed: string;
  detail?: string;
  skipped?: true;
}

/** Prints a value for a row: strings as is, absent values as `(none)`, the rest as JSON. */
export function show(value: unknown): string {
  if (value === undefined || value === null) return '(none)';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/**
 * A row comparing two values: ok when they are equal (strict).
 * @param failed - the detail of a failed row (what the difference means)
 * @param passed - an optional detail of a passing row
 */
export function compare(check: string, expected: unknown, observed: unknown, failed: string, passed?: string): Check {
  const ok = expected === observed;
  const row: Check = { check, ok, expected: show(expected), observed: show(observed) };
  if (!ok) row.detail = failed;
  else if (passed !== undefined) row.detail = passed;
  return row;
}

/** A row from a list of problems: ok when `problems` is empty; the problems joined are the detail. */
export function fromProblems(check: string, problems: readonly string[], expected: string, observed: string, passed?: string): Check {
  const row: Check = { check, ok: problems.length === 0, expected, observed };
  if (problems.length > 0) row.detail = problems.join('; ');
  else if (passed !== undefined) row.detail = passed;
  return row;
}

/** A check that was not run because `why` (e.g. no database given). */
export function skipped(check: string, expected: string, why: string): Check {
  return { check, ok: true, skipped: true, expected, observed: '(not checked)', detail: `skipped: ${why}` };
}

/** Pushes "field: expected X, found Y" onto `problems` when they differ. */
export function same(problems: string[], field: string, expected: unknown, found: unknown): void {
  if (expected !== found) problems.push(`${field}: expected ${show(expected)}, found ${show(found)}`);
}

/** The first `n` items joined by `, `, with `, …` when there were more. */
export function firstFew(items: readonly string[], n = 5): string {
  return `${items.slice(0, n).join(', ')}${items.length > n ? ', …' : ''}`;
}
