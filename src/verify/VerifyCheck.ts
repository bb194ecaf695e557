/**
 * The auditor's verdict on one run (`orchestrate verify --run-id R`, DESIGN §1 "auditors … can verify
 * any run"): one row per check, each naming what it expected and what it observed.
 */
import type { Check } from '../evidence/Check.js';
import type { RunState } from '../../machines/runView.js';

/**
 * One row of `verify`: an evidence {@link Check} (`source`, `kb`, `backup`, `db` groups), or a row
 * of verify's own checks (`sidecar`, `kb.run_folder`, `approval`, `db.lifecycle`, `lossless`), whose
 * `expected` / `observed` may be absent. `detail` says why a failing row failed, or what an OK row
 * had to take into account (e.g. a newer source version). Never holds a secret.
 */
export type VerifyCheck = Omit<Check, 'expected' | 'observed'> & { expected?: string; observed?: string };

/** The result of verifying one run: `ok` when every check passed. */
export interface VerifyReport {
  ok: boolean;
  run_id: string;
  /** The sidecar's run state, or `unreadable` when the sidecar does not parse. */
  state: RunState | 'unreadable';
  checks: VerifyCheck[];
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
