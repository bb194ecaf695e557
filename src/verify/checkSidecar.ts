/**
 * Sidecar checks of `verify` (DESIGN §2, §5; reference §4): the RunContext parses and its phase
 * keys recompute, closeout included.
 */
import { describeKeyChainMismatch, parseSidecar } from '../sidecar/parseSidecar.js';
import { PHASES } from '../sidecar/phases.js';
import type { RunView } from '../../machines/runView.js';
import { readSidecarText } from '../sidecar/readSidecar.js';
import { verifyKeyChain } from '../sidecar/verifyKeyChain.js';
import { problemsCheck, type VerifyCheck } from './VerifyCheck.js';

/** The parsed sidecar (absent when it does not parse) and the rows `sidecar.parse` and `sidecar.key_chain`. */
export interface SidecarChecks {
  ctx: RunView | undefined;
  checks: VerifyCheck[];
}

/**
 * Reads `<sidecarsDir>/<runId>.json` for forensics (schema only, see `parseSidecar`), then checks
 * the key chain with `verifyKeyChain`: every present key recomputes from the run's identity, pins
 * and the persisted previous key, and the closeout key from the ten prior keys and
 * `final_report_sha`. For a `done` run all eleven keys must be present.
 *
 * @throws InputError when the run id is not a UUIDv7 or the run has no sidecar (nothing to verify:
 *   bad input, exit 2); a sidecar that exists but does not parse is a failed check instead
 */
export async function checkSidecar(sidecarsDir: string, runId: string): Promise<SidecarChecks> {
  const { text } = await readSidecarText(sidecarsDir, runId, {
    missing: (file) => `no run ${runId}: ${file} does not exist`,
    field: 'run_id',
    next: 'list the runs with `orchestrate runs` and pass one of their run ids',
  });
  const parsed = parseSidecar(text, { checkKeyChain: false });
  if (!parsed.ok) {
    return { ctx: undefined, checks: [problemsCheck('sidecar.parse', parsed.issues.map((i) => `${i.path}: ${i.message}`), { expected: 'a valid sidecar' })] };
  }
  const ctx = parsed.view;
  const idProblems = ctx.run_id === runId ? [] : [`run_id is ${ctx.run_id}, the file name says ${runId}`];
  const checks = [problemsCheck('sidecar.parse', idProblems, { expected: 'a valid sidecar', observed: `state ${ctx.state}` })];

  const problems = verifyKeyChain(ctx).map((m) => `keys.${m.phase}: ${describeKeyChainMismatch(m)}`);
  if (ctx.state === 'done') {
    for (const phase of PHASES) if (ctx.keys[phase] == null) problems.push(`keys.${phase}: missing in a done run`);
  }
  const present = PHASES.filter((p) => ctx.keys[p] != null).length;
  checks.push(problemsCheck('sidecar.key_chain', [...new Set(problems)], { expected: ctx.state === 'done' ? '11 keys chaining' : 'present keys chaining', observed: `${present} keys present` }));
  return { ctx, checks };
}
