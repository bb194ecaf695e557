/**
 * ReDoS screening of vocabulary patterns: a pattern whose backtracking time grows fast with the
 * length of a line (`^(a+)+$` on 40 `a` and a `!` never returns) is refused before any matching.
 * The analysis is recheck's (automata theory, with a fuzzer for look-arounds, back-references
 * and large counted repeats), run with the `u` flag the cutter compiles patterns with.
 */
import { createRequire } from 'node:module';
import type { AttackPattern, Diagnostics, Hotspot } from 'recheck';

// recheck is 2.9 MB of JavaScript (~110 ms and ~33 MB to load): loaded on the first check only, so
// commands that never read a user's vocabulary do not pay for it.
const requireLib = createRequire(import.meta.url);
let recheck: typeof import('recheck') | undefined;
const checkSync: typeof import('recheck').checkSync = (...args) => (recheck ??= requireLib('recheck') as typeof import('recheck')).checkSync(...args);

/** Verdict on one pattern: `message` says what is wrong and how to rewrite it. */
export type PatternSafety = { ok: true } | { ok: false; message: string };

/**
 * Wall-clock budget of one analysis, in milliseconds. Ordinary patterns take 1–20 ms (about
 * 0.7 s for look-arounds with `.*`, 0.6 s more for the first call of a process).
 */
export const PATTERN_CHECK_TIMEOUT_MS = 3000;

/**
 * Highest polynomial degree accepted. recheck counts the scan over start positions too, so 2
 * means quadratic in the line: 2 ms on a 2000-character attack line, measured; degree 3 took
 * 0.5–1.4 s on the same length.
 */
export const MAX_POLYNOMIAL_DEGREE = 2;

const verdicts = new Map<string, PatternSafety>();

/**
 * Decides whether a vocabulary pattern can hang the cutter by super-linear backtracking. Verdicts
 * are cached per source string for the life of the process, and frozen.
 *
 * - `vulnerable`, exponential or polynomial above {@link MAX_POLYNOMIAL_DEGREE} → `ok: false`.
 * - `unknown` because recheck cannot read or does not support the pattern → `ok: false`: it
 *   never happened with ordinary patterns and is a property of the pattern alone.
 * - `unknown` because the analysis hit {@link PATTERN_CHECK_TIMEOUT_MS} → `ok: true`: ordinary
 *   look-around patterns time out on a loaded machine (4 checks at once on 2 cores), and a
 *   vocabulary's validity must not depend on load. The gap: nested counted repeats such as
 *   `((a{1,30}){1,30}){1,30}` time out and so pass.
 *
 * Blocks the thread while it runs (a worker thread and a native helper process do the work).
 *
 * @param source - RegExp source as written in the vocabulary (without slashes or flags)
 * @returns `{ ok: true }`, or `{ ok: false, message }` with a message fit for the user
 * @example
 * checkPatternSafety('^Article (?<num>\\d+)$'); // { ok: true }
 * checkPatternSafety('^(a+)+$');
 * // { ok: false, message: "super-linear backtracking (exponential): a line like 'aaaa…\\u0000' …" }
 */
export function checkPatternSafety(source: string): PatternSafety {
  const cached = verdicts.get(source);
  if (cached !== undefined) return cached;
  const verdict = Object.freeze(judge(source, checkSync(source, 'u', { timeout: PATTERN_CHECK_TIMEOUT_MS })));
  verdicts.set(source, verdict);
  return verdict;
}

function judge(source: string, d: Diagnostics): PatternSafety {
  switch (d.status) {
    case 'safe':
      return { ok: true };
    case 'unknown':
      if (d.error.kind === 'timeout' || d.error.kind === 'cancel') return { ok: true };
      return { ok: false, message: `cannot be checked for super-linear backtracking (${d.error.kind}: ${d.error.message}); write it with plainer syntax` };
    case 'vulnerable': {
      const c = d.complexity;
      if (c.type === 'polynomial' && c.degree <= MAX_POLYNOMIAL_DEGREE) return { ok: true };
      const growth = c.type === 'exponential' ? 'takes unbounded time' : `takes time growing with the length to the power ${c.degree}`;
      return {
        ok: false,
        message:
          `super-linear backtracking (${c.summary}): a line like '${attackShape(d.attack)}' ${growth}; ` +
          `the culprit is ${hotspots(source, d.hotspot)}; rewrite without nested or adjacent quantifiers ` +
          `that can match the same text, such as (a+)+, (a|aa)+ or \\s*.*\\s*`,
      };
    }
  }
}

function attackShape(attack: AttackPattern): string {
  const shape = attack.pumps.map((p) => `${p.prefix}${p.pump.repeat(Math.max(1, Math.ceil(3 / p.pump.length)))}…`).join('') + attack.suffix;
  const printable = JSON.stringify(shape).slice(1, -1).replace(/'/g, "\\'");
  return printable.length <= 60 ? printable : `${printable.slice(0, 59)}…`;
}

function hotspots(source: string, spots: Hotspot[]): string {
  const heat = spots.filter((h) => h.temperature === 'heat');
  if (heat.length === 0) return 'the whole pattern';
  return heat.map((h) => `'${source.slice(h.start, h.end)}' at ${h.start}`).join(', ');
}
