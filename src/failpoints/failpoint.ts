/**
 * Failpoints (DESIGN §10): `ORCHESTRATE_FAILPOINT=<name>` makes the process kill itself with
 * SIGKILL at that named point, so crash-and-resume can be tested with real processes. A
 * comma-separated list of names kills at whichever of them is passed first (the crash matrix
 * sets the points it has not killed yet, and learns which one fired from the trace).
 *
 * A point is named `<scope>/<point>` where scope is a phase or gate (`mark`, `SG1`, …) or a
 * module (`kb`, `sidecar`, `db`), and point one of {@link FAILPOINT_POINTS}. Setting the variable
 * to a bare point (e.g. `kb.commit.after`) fires at the first place that point is reached in any
 * scope; setting `<scope>/<point>` fires only there.
 */
import { appendFileSync } from 'node:fs';
import process from 'node:process';
import { STEP_NAMES } from '../../machines/steps.js';

/** Points placed before and after every durable write. */
export const FAILPOINT_POINTS = [
  'sidecar.write.before',
  'sidecar.write.after',
  'kb.commit.before',
  'kb.commit.after',
  'kb.push.before',
  'kb.push.after',
  'db.commit.before',
  'db.commit.after',
  'leg_a.inside_txn',
] as const;

export type FailpointPoint = (typeof FAILPOINT_POINTS)[number];

/** Scopes in which points are reached: the 11 phases and 2 gates (DESIGN §4 order), and the sovereign void. */
export const FAILPOINT_SCOPES: readonly string[] = [...STEP_NAMES, 'void'];

/** Every failpoint name `orchestrate failpoints` lists: bare points, then `<scope>/<point>`. */
export function listFailpoints(): string[] {
  const names: string[] = [...FAILPOINT_POINTS];
  for (const scope of FAILPOINT_SCOPES) for (const point of FAILPOINT_POINTS) names.push(`${scope}/${point}`);
  return names;
}

/**
 * Kills the process with SIGKILL when `ORCHESTRATE_FAILPOINT` (one name, or a comma-separated
 * list) names this point (bare or scoped).
 * Does nothing otherwise. With `ORCHESTRATE_FAILPOINT_TRACE=<file>` set, first appends the point's
 * scoped name (`<scope>/<point>`, or the bare point when no scope is known) as one line to that file,
 * so the crash matrix (`npm run test:crash`) learns which points a full cut reaches. Test-only, like
 * the failpoints themselves. Never throws (a trace file that cannot be written is ignored).
 *
 * @param point - one of {@link FAILPOINT_POINTS}
 * @param scope - the phase or gate being run, when known
 * @param env - environment to read (tests inject it); defaults to `process.env`
 */
export function failpoint(point: FailpointPoint, scope?: string, env: NodeJS.ProcessEnv = process.env): void {
  const trace = env['ORCHESTRATE_FAILPOINT_TRACE'];
  if (trace !== undefined && trace !== '') {
    try {
      appendFileSync(trace, `${scope === undefined ? point : `${scope}/${point}`}\n`);
    } catch {
      // A trace is a test aid: failing to write it must never change what the process does.
    }
  }
  const wanted = env['ORCHESTRATE_FAILPOINT'];
  if (wanted === undefined || wanted === '') return;
  const names = wanted.split(',');
  if (names.includes(point) || (scope !== undefined && names.includes(`${scope}/${point}`))) {
    process.kill(process.pid, 'SIGKILL');
  }
}
