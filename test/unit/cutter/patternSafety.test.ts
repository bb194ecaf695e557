/**
 * ReDoS screening of vocabulary patterns: the classic catastrophic shapes are refused with a
 * message naming the problem and an attack line; ordinary heading patterns, including every
 * pattern of the shipped vocabularies, pass; verdicts are cached per source string.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkPatternSafety } from '../../../src/cutter/patternSafety.js';
import { repoRoot } from './corpusFixture.js';

const realistic = [
  String.raw`^Article (?<num>\d+)$`,
  String.raw`^\((?<num>[a-z]{1,2})\)\s`,
  String.raw`^(?<num>[IVXLC]+)\.?\s*(?<title>.*)$`,
  String.raw`^Section\s+(?<num>\d+[a-z]*)\.`,
  String.raw`^(?<num>\d+)\.\s(?!Oktober)`,
  String.raw`(?<=^|\s)§\s*(?<num>\d+)`,
];

const vocabFiles = [
  'knowledge/vocab/eu-regulation-eurlex.yaml',
  'knowledge/vocab/nara-us-constitution.yaml',
  'knowledge/vocab/udhr.yaml',
  'knowledge/samples/sample-statute/vocab.yaml',
];

/** Every pattern-valued field (`pattern`, `start`, `end`, `until`) of a parsed vocabulary file. */
function patternsOf(node: unknown, key = ''): string[] {
  if (typeof node === 'string') return ['pattern', 'start', 'end', 'until'].includes(key) ? [node] : [];
  if (Array.isArray(node)) return node.flatMap((n) => patternsOf(n, key));
  if (node !== null && typeof node === 'object') return Object.entries(node).flatMap(([k, v]) => patternsOf(v, k));
  return [];
}

describe('checkPatternSafety', () => {
  it.each([String.raw`^(a+)+$`, String.raw`(a|aa)+$`, String.raw`^(\w+\s?)*$`])('refuses %s as exponential', (source) => {
    const r = checkPatternSafety(source);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.message).toMatch(/^super-linear backtracking \(exponential\): a line like '.+….*' takes unbounded time; /);
    expect(r.message).toContain('(a+)+');
  });

  it('shows the attack line of (a+)+ as a run of a', () => {
    const r = checkPatternSafety(String.raw`^(a+)+$`);
    expect(r.ok ? '' : r.message).toContain("a line like 'aaaa…\\u0000'");
  });

  it('refuses a cubic pattern, the whitespace-trimming shape', () => {
    const r = checkPatternSafety(String.raw`^\s*(?<title>.*?)\s*$`);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.message).toMatch(/^super-linear backtracking \(3rd degree polynomial\): .* to the power 3; /);
  });

  it.each(realistic)('accepts %s', (source) => {
    expect(checkPatternSafety(source)).toEqual({ ok: true });
  });

  it('accepts every pattern of the shipped vocabularies', () => {
    const patterns = vocabFiles.flatMap((f) => patternsOf(parse(readFileSync(path.join(repoRoot, f), 'utf8'))));
    expect(patterns.length).toBeGreaterThan(30);
    expect(patterns.filter((p) => !checkPatternSafety(p).ok)).toEqual([]);
  });

  it('refuses a pattern the checker cannot read, as data rather than a throw', () => {
    const r = checkPatternSafety('^(a');
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.message).toMatch(/^cannot be checked for super-linear backtracking \(invalid: /);
  });

  it('answers a repeated source from its cache', () => {
    const source = String.raw`^Chapter (?<num>\d+)$`;
    const first = checkPatternSafety(source);
    expect(checkPatternSafety(source)).toBe(first);
  });
});
