/**
 * Count options of the bench scripts (`--runs 5`, `--pairs 3`), read with node's own `parseArgs`.
 */
import { parseArgs } from 'node:util';

/**
 * Reads the integer options `defaults` names from `argv` (other arguments are left to the script).
 * @param defaults - option name (without `--`) → default count
 * @param min - the smallest count accepted
 * @returns each option's value, its default when absent
 * @throws Error naming the option when a value is not an integer ≥ `min`
 */
export function countOptions<K extends string>(defaults: Record<K, number>, min = 1, argv: string[] = process.argv.slice(2)): Record<K, number> {
  const options = Object.fromEntries(Object.keys(defaults).map((k) => [k, { type: 'string' as const }]));
  const { values } = parseArgs({ args: argv, options, strict: false, allowPositionals: true });
  const out = { ...defaults };
  for (const name of Object.keys(defaults) as K[]) {
    const raw = values[name];
    if (raw === undefined || typeof raw === 'boolean') continue;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} ${raw}: give an integer ≥ ${min}`);
    out[name] = n;
  }
  return out;
}
