import fc from 'fast-check';
import { beforeAll, expect, test } from 'vitest';
import { migrate } from '../../../src/db/migrate.js';
import { copyTextLine, copyTextValue } from '../../../src/db/copyText.js';
import { describeEachEngine } from '../../support/engines.js';

test('COPY text encoding escapes exactly backslash, tab, newline and carriage return; null is \\N', () => {
  expect(copyTextValue('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
  expect(copyTextValue('\\N')).toBe('\\\\N');
  expect(copyTextValue(null)).toBe('\\N');
  expect(copyTextValue(42)).toBe('42');
  expect(copyTextValue('«Ελλάδα» 🇪🇺')).toBe('«Ελλάδα» 🇪🇺');
  expect(copyTextLine(['x', null, 3])).toBe('x\t\\N\t3\n');
  expect(() => copyTextValue(Number.NaN)).toThrow(/finite/);
});

describeEachEngine('copyFrom (COPY … FROM in the text format)', (ctx) => {
  beforeAll(async () => {
    await migrate(ctx.db());
  });

  test('any text (any Unicode, tabs, newlines, backslashes, \\N, \\.) and null round-trip exactly', async () => {
    const db = ctx.db();
    // PostgreSQL text cannot hold NUL; everything else must come back as sent.
    const text = fc.string({ unit: 'binary', maxLength: 60 }).filter((s) => !s.includes('\u0000'));
    const special = fc.constantFrom('\\N', '\\.', '\\', '\t', '\n', '\r\n', '', ' ', '"', ',', '\\t');
    const value = fc.option(fc.oneof(text, special, fc.array(special, { maxLength: 6 }).map((a) => a.join(''))), { nil: null });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(value, value), { minLength: 1, maxLength: 40 }), async (rows) => {
        const back = await db.transaction(async (tx) => {
          await tx.exec('CREATE TEMP TABLE copy_rt (i integer, a text, b text) ON COMMIT DROP');
          const n = await tx.copyFrom('copy_rt', ['i', 'a', 'b'], rows.map(([a, b], i) => [i, a, b]));
          expect(n).toBe(rows.length);
          return (await tx.query<{ a: string | null; b: string | null }>('SELECT a, b FROM copy_rt ORDER BY i')).rows;
        });
        expect(back.map((r) => [r.a, r.b])).toEqual(rows);
      }),
      { numRuns: 40 },
    );
  });

  test('a large stream arrives whole, in chunks, and the role in effect is the same afterwards', async () => {
    const db = ctx.db();
    const n = 20_000;
    const rows = function* () {
      for (let i = 0; i < n; i += 1) yield [i, `row ${i}\t${'é'.repeat(i % 50)}\n`];
    };
    const r = await db.transaction(async (tx) => {
      await tx.exec('CREATE TEMP TABLE copy_big (i integer, t text) ON COMMIT DROP');
      const copied = await tx.copyFrom('copy_big', ['i', 't'], rows());
      const who = (await tx.query<{ u: string }>('SELECT current_user AS u')).rows[0]?.u;
      const agg = (await tx.query<{ n: string; chars: string }>('SELECT count(*) AS n, sum(char_length(t)) AS chars FROM copy_big')).rows[0];
      return { copied, who, agg };
    }, { role: 'orchestrator_writer' });
    let chars = 0;
    for (const [, t] of rows()) chars += [...(t as string)].length;
    expect(r).toEqual({ copied: n, who: 'orchestrator_writer', agg: { n: String(n), chars: String(chars) } });
  });

  test('plain identifiers only: a table or column name is never spliced into SQL', async () => {
    const db = ctx.db();
    await expect(db.copyFrom('x; DROP TABLE y', ['a'], [])).rejects.toThrow(/plain/);
    await expect(db.copyFrom('t', ['a"b'], [])).rejects.toThrow(/plain/);
    await expect(db.copyFrom('t', [], [])).rejects.toThrow(/plain/);
  });

  test.runIf(ctx.engine === 'pglite')('PGlite: under a role, only a temporary table can be a COPY target', async () => {
    const db = ctx.db();
    await db.exec('CREATE TABLE IF NOT EXISTS public.copy_real (a text); GRANT INSERT, SELECT ON public.copy_real TO orchestrator_writer');
    await expect(db.transaction((tx) => tx.copyFrom('public.copy_real', ['a'], [['x']]), { role: 'orchestrator_writer' })).rejects.toThrow(/temporary/);
    expect(await db.copyFrom('public.copy_real', ['a'], [['as owner']])).toBe(1);
  });
});
