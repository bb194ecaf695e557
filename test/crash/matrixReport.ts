/** The crash matrix's summary: points reached and recovered, printed after each engine's run. */

import type { Verdicts } from './crashMatrix.js';

/**
 * Prints `crash matrix [engine]: N listed, R reached, K of R recovered`, the bare points' aliases, then the points not
 * reached (grouped by scope) and every reached point that did not recover.
 */
export function printMatrix(engine: string, matrix: { cases: readonly string[]; aliases: ReadonlyMap<string, string>; notReached: readonly string[] }, verdicts: Verdicts, note = ''): void {
  const { cases, aliases } = matrix;
  // Points only a void passes are killed by the void chain: reached, though not by the cut.
  const byVoid = [...verdicts.keys()].filter((f) => !cases.includes(f));
  const notReached = matrix.notReached.filter((f) => !byVoid.includes(f));
  const reached = cases.length + byVoid.length + [...aliases.keys()].filter((bare) => !cases.includes(bare)).length;
  const ran = [...cases.filter((f) => verdicts.has(f)), ...byVoid];
  const recovered = ran.filter((f) => verdicts.get(f)!.startsWith('recovered'));
  const byScope = new Map<string, string[]>();
  for (const name of notReached) {
    const [scope, point] = name.includes('/') ? name.split('/') : ['(bare)', name];
    byScope.set(scope!, [...(byScope.get(scope!) ?? []), point!]);
  }
  const lines = [
    `crash matrix [${engine}]: ${reached + notReached.length} failpoints listed, ${reached} reached (${byVoid.length} of them by a void), ${ran.length} killed${note}, ${recovered.length} of ${ran.length} recovered`,
    `  bare points (each fires where it is first passed, so it is that kill): ${[...aliases].map(([bare, at]) => `${bare} = ${at}`).join(', ')}`,
    `  not reached (${notReached.length}): ${[...byScope].map(([scope, points]) => `${scope}/{${points.join(',')}}`).join(' ')}`,
    ...ran.filter((f) => !recovered.includes(f)).map((f) => `  NOT RECOVERED: ${f}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
