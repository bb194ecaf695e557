/**
 * The generated regulation of the plan benchmark (issue 3): GDPR's enacting terms repeated, with
 * chapters and articles renumbered so every address stays unique and every sequence stays valid.
 * Shared by `benchPlan.ts`, `corpusDigests.ts` and the cutter's equivalence tests.
 */

/** Roman numeral of `n` (1 … 3999), as EUR-Lex writes chapter numbers. */
function toRoman(n: number): string {
  const table: [number, string][] = [[1000, 'M'], [900, 'CM'], [500, 'D'], [400, 'CD'], [100, 'C'], [90, 'XC'], [50, 'L'], [40, 'XL'], [10, 'X'], [9, 'IX'], [5, 'V'], [4, 'IV'], [1, 'I']];
  let out = '';
  for (const [v, s] of table) while (n >= v) { out += s; n -= v; }
  return out;
}

/**
 * GDPR with its enacting terms (from `CHAPTER I` to the closing formula) repeated `times` times,
 * chapters and articles renumbered. `times = 113` gives ~100,000 IUs (~22 MB).
 *
 * @param gdpr - the GDPR corpus text (`../shared/corpus/gdpr/source.txt`), decoded
 * @param times - how many copies of the enacting terms (>= 1)
 */
export function generatedRegulation(gdpr: string, times: number): string {
  const bodyStart = gdpr.indexOf('\nCHAPTER I\n') + 1;
  const bodyEnd = gdpr.indexOf('\nThis Regulation shall be binding in its entirety') + 1;
  const body = gdpr.slice(bodyStart, bodyEnd);
  const parts = [gdpr.slice(0, bodyStart)];
  let chapter = 0;
  let article = 0;
  for (let t = 0; t < times; t++) {
    parts.push(body.replace(/^CHAPTER [IVXLC]+$/gm, () => `CHAPTER ${toRoman(++chapter)}`).replace(/^Article \d+$/gm, () => `Article ${++article}`));
  }
  parts.push(gdpr.slice(bodyEnd));
  return parts.join('');
}
