/**
 * Numbers of headings and labels, cleaned for Akoma Ntoso eIds the way Laws.Africa bluebell does
 * (`(1)` → `1`, `1.2.` → `1-2`), with roman numerals and ordinal words turned into arabic.
 */
import type { NumberStyle } from './vocabSchema.js';

/**
 * A cleaned number: `id` goes into the eId, `value` (when it has one) and `suffix` drive sequence
 * checks. `suffix` is the inserted-number letter as a count (none 0, a 1 … z 26, aa 27): `IVa` is
 * value 4, suffix 1, id `4a`.
 */
export interface ParsedNumber {
  id: string;
  value: number | undefined;
  suffix: number;
}

const ROMAN: Record<string, number> = { i: 1, v: 5, x: 10, l: 50, c: 100, d: 500, m: 1000 };

const ORDINALS = [
  'first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth', 'tenth',
  'eleventh', 'twelfth', 'thirteenth', 'fourteenth', 'fifteenth', 'sixteenth', 'seventeenth',
  'eighteenth', 'nineteenth', 'twentieth',
];

/** Roman numeral (any case) to its value; undefined when not a well-formed numeral. */
export function romanValue(roman: string): number | undefined {
  const s = roman.toLowerCase();
  if (!/^[ivxlcdm]+$/.test(s)) return undefined;
  let total = 0;
  for (let i = 0; i < s.length; i++) {
    const cur = ROMAN[s[i] as string] as number;
    const next = i + 1 < s.length ? (ROMAN[s[i + 1] as string] as number) : 0;
    total += cur < next ? -cur : cur;
  }
  // Round-trip guard: rejects forms like "iiii" or "vx" that the additive rule would accept.
  return toRoman(total) === s ? total : undefined;
}

/** Lowercase roman numeral of a positive integer (`4` → `iv`). */
export function toRoman(n: number): string {
  const table: [number, string][] = [
    [1000, 'm'], [900, 'cm'], [500, 'd'], [400, 'cd'], [100, 'c'], [90, 'xc'],
    [50, 'l'], [40, 'xl'], [10, 'x'], [9, 'ix'], [5, 'v'], [4, 'iv'], [1, 'i'],
  ];
  let out = '';
  for (const [v, s] of table) while (n >= v) { out += s; n -= v; }
  return out;
}

/** Letter label value: a=1 … z=26, aa=27 … zz=52 (EU style doubled letters). */
function letterValue(s: string): number | undefined {
  if (/^[a-z]$/.test(s)) return s.charCodeAt(0) - 96;
  if (/^([a-z])\1$/.test(s)) return s.charCodeAt(0) - 96 + 26;
  return undefined;
}

/** Suffix letters of an inserted number (`a` 1 … `z` 26, `aa` 27 … `zz` 52, as bijective base 26). */
function suffixValue(s: string): number {
  let n = 0;
  for (const ch of s) n = n * 26 + (ch.charCodeAt(0) - 96);
  return n;
}

/** A roman numeral with an optional 1–2 letter suffix (`iv`, `iva`, `iv-a`, `viiia`); the whole numeral wins (`xc` is 90). */
function romanWithSuffix(c: string): { value: number; suffix: string } | undefined {
  const dashed = /^([ivxlcdm]+)-([a-z]{1,2})$/.exec(c);
  if (dashed !== null) {
    const value = romanValue(dashed[1] as string);
    return value === undefined ? undefined : { value, suffix: dashed[2] as string };
  }
  const whole = romanValue(c);
  if (whole !== undefined) return { value: whole, suffix: '' };
  for (let cut = c.length - 1; cut >= Math.max(1, c.length - 2); cut--) {
    const value = romanValue(c.slice(0, cut));
    if (value !== undefined && /^[a-z]+$/.test(c.slice(cut))) return { value, suffix: c.slice(cut) };
  }
  return undefined;
}

/** bluebell's clean-up: strip brackets, drop trailing dots, inner dots and spaces become '-'. */
function clean(raw: string): string {
  return raw
    .trim()
    .replace(/^[([]+|[)\]]+$/g, '')
    .replace(/\.+$/, '')
    .replace(/[.\s]+/g, '-')
    .toLowerCase();
}

/**
 * Parses the raw number text of a heading or label in a given style.
 *
 * @param raw - the captured `num` group (`I`, `(1)`, `1.2.`, `a`, `first`, `IV a.`, `106a`, `ca`)
 * @param style - the level's number style (vocab `levels[].number`)
 * @param suffixes - whether inserted-number suffixes are read (`vocab_format: 2`): roman `IVa`,
 *   letter `ca`, and arabic `106a` sequence-checked; false reads numbers as `vocab_format: 1` always
 *   did (arabic `106a` accepted unchecked, `IVa` and `ca` not numbers)
 * @returns the eId part and numeric value, or undefined when `raw` is not a number of that style
 *   (e.g. `ii` as a letter), so the caller can try another level.
 */
export function parseNumber(raw: string, style: NumberStyle, suffixes = true): ParsedNumber | undefined {
  const c = clean(raw);
  if (c === '') return undefined;
  if (!suffixes) return parseNumberV1(c, style);
  switch (style) {
    case 'arabic': {
      const suffixed = /^(\d+)-?([a-z]{1,2})?$/.exec(c);
      if (suffixed !== null) {
        const base = (suffixed[1] as string).replace(/^0+(?=\d)/, '');
        const suffix = suffixed[2] ?? '';
        return { id: base + suffix, value: Number(base), suffix: suffixValue(suffix) };
      }
      // Dotted and other compound numbers (1-2, 3a-1) keep their form and are not sequence-checked.
      if (!/^\d+[a-z]*(-\d+[a-z]*)*$/.test(c)) return undefined;
      return { id: c.replace(/^0+(?=\d)/, ''), value: undefined, suffix: 0 };
    }
    case 'roman': {
      const r = romanWithSuffix(c);
      return r === undefined ? undefined : { id: String(r.value) + r.suffix, value: r.value, suffix: suffixValue(r.suffix) };
    }
    case 'letter': {
      const value = letterValue(c);
      if (value !== undefined) return { id: c, value, suffix: 0 };
      const suffixed = /^([a-z])-?([a-z]|[1-9]\d?)$/.exec(c);
      // "iv", "vi", "xi": roman point labels, never letter i/v/x with a suffix.
      if (suffixed === null || /^[ivx]+$/.test(c)) return undefined;
      const tail = suffixed[2] as string;
      return { id: (suffixed[1] as string) + tail, value: letterValue(suffixed[1] as string), suffix: /^\d/.test(tail) ? Number(tail) : suffixValue(tail) };
    }
    case 'ordinal_words': {
      const index = ORDINALS.indexOf(c);
      return index < 0 ? undefined : { id: String(index + 1), value: index + 1, suffix: 0 };
    }
    case 'none':
      return { id: c, value: undefined, suffix: 0 };
  }
}

/** Numbers as `vocab_format: 1` reads them, unchanged, so a document already cut plans the same rows. */
function parseNumberV1(c: string, style: NumberStyle): ParsedNumber | undefined {
  switch (style) {
    case 'arabic': {
      if (!/^\d+[a-z]*(-\d+[a-z]*)*$/.test(c)) return undefined;
      return { id: c.replace(/^0+(?=\d)/, ''), value: /^\d+$/.test(c) ? Number(c) : undefined, suffix: 0 };
    }
    case 'roman': {
      const value = romanValue(c);
      return value === undefined ? undefined : { id: String(value), value, suffix: 0 };
    }
    case 'letter': {
      const value = letterValue(c);
      return value === undefined ? undefined : { id: c, value, suffix: 0 };
    }
    case 'ordinal_words': {
      const index = ORDINALS.indexOf(c);
      return index < 0 ? undefined : { id: String(index + 1), value: index + 1, suffix: 0 };
    }
    case 'none':
      return { id: c, value: undefined, suffix: 0 };
  }
}
