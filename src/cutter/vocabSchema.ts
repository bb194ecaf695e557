/**
 * The structure vocabulary: a zod schema describing a document *layout* (DESIGN §2 "vocab").
 *
 * A vocabulary names the region markers, the excluded lines, the section types and the ordered
 * hierarchy levels (heading or label patterns and their number styles) of one family of texts.
 * The format is described for users in `knowledge/vocab/README.md`.
 */
import { z } from 'zod';
import { checkPatternSafety } from './patternSafety.js';

/** Section types an IU can carry (`section_type` column of `cutter.iu`). */
export const SECTION_TYPES = ['preamble', 'recital', 'body', 'amendment', 'final_provisions', 'attestation', 'annex'] as const;
export type SectionType = (typeof SECTION_TYPES)[number];

/** Number styles of a level; `none` = unnumbered, numbered by position when it repeats. */
export const NUMBER_STYLES = ['arabic', 'roman', 'letter', 'ordinal_words', 'none'] as const;
export type NumberStyle = (typeof NUMBER_STYLES)[number];

/** A JavaScript regular expression source, compiled with the `u` flag, matched against one line. */
const pattern = z.string().min(1).superRefine((source, ctx) => {
  try {
    new RegExp(source, 'u');
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${(e as Error).message}` });
  }
});

/** A lowercase identifier: unit kinds and Akoma Ntoso abbreviations (`art`, `chp`, `para`). */
const ident = z.string().regex(/^[a-z][a-z0-9_]*$/, 'lowercase letters, digits and _ only, starting with a letter');

const regionSchema = z.strictObject({
  /** The region begins at the start of the first line matching this; absent = the first line. */
  start: pattern.optional(),
  /** The region ends before the first later line matching this; absent = end of file. */
  end: pattern.optional(),
  /** Whether a missing end marker is an error (default true); false = region runs to end of file. */
  end_required: z.boolean().default(true),
});

const excludedSchema = z
  .strictObject({
    pattern,
    /** line: the line; block: the line and the non-blank lines after it; until: up to the `until` line. */
    extent: z.enum(['line', 'block', 'until']).default('line'),
    until: pattern.optional(),
    /** Why it is excluded, recorded on the span (note, footnote, page_heading, link_text, editorial). */
    reason: ident,
  })
  .refine((r) => r.extent !== 'until' || r.until !== undefined, { message: 'extent "until" needs an until pattern', path: ['until'] });

const markerUnitSchema = z.strictObject({
  kind: ident,
  abbr: ident,
  /** true: eId `<abbr>_<n>` by position; false: eId `<abbr>` (must then be unique). */
  numbered: z.boolean().default(false),
  /** true: the block after the start line is the unit's title (`heading`), as a level's `title_line`. */
  title_line: z.boolean().optional(),
});

const sectionSchema = z.strictObject({
  type: z.enum(SECTION_TYPES),
  /** The section starts at the first block (after the previous section's start) whose first line matches. */
  start: pattern.optional(),
  /** Alternative start: the first unit of `level` whose title line matches `pattern`. */
  start_title: z.strictObject({ level: ident, pattern }).optional(),
  /** When set, the start line begins a unit of this kind (e.g. `preamble`, `formula`, `attestation`). */
  unit: markerUnitSchema.optional(),
  /** false: no level is recognised inside this section (signature blocks). Default true. */
  structured: z.boolean().default(true),
  /**
   * true: every later block whose first line matches `start` begins another section of this type
   * with its own marker unit (annexes `att_1`, `att_2`); needs a numbered `unit`. Absent = once.
   */
  repeat: z.boolean().optional(),
});

const levelSchema = z.strictObject({
  kind: ident,
  abbr: ident,
  /** Matched against the first line of a block; must capture the number in a group named `num` unless number is none. */
  pattern,
  number: z.enum(NUMBER_STYLES),
  /** eId part: `value` = the number in arabic (roman I → 1), `label` = the cleaned label as written (point `ii`). */
  number_id: z.enum(['value', 'label']).default('value'),
  /** Whether the next block is the unit's title (its `heading`). */
  title_line: z.boolean().default(false),
  /** Kinds this level may sit in; `root` = top level. */
  parents: z.array(ident).min(1),
  /** Where numbering runs on: within each parent (restarts), or through the whole document. */
  sequence: z.enum(['parent', 'document']).default('parent'),
  /**
   * The ordering rule of the numbers within their sequence. Absent = `consecutive` (1 first, then
   * +1, or the next suffix: 4, 4a, 4b, 5); `increasing`: each number greater than the last, gaps and
   * any first number allowed (§ 101 after § 8); `none`: any order, only repeats are refused.
   */
  order: z.enum(['consecutive', 'increasing', 'none']).optional(),
  /**
   * true: a line matching the pattern starts a unit even right after a text line, with no blank line
   * before it (inline point lists "(a) …" on consecutive lines). Absent = false: a heading must begin
   * a block, so a line such as "1. Oktober 1969" inside running text stays in its paragraph.
   */
  inline: z.boolean().optional(),
  /**
   * true: a block whose first line matches the pattern but cannot be read as this level (its number
   * is not of the level's style, or no open unit may hold it) is a warning of `plan`, not an error.
   */
  optional: z.boolean().optional(),
  /**
   * true: the heading line also carries the unit's first paragraph ("61. Since, moreover, …"): with
   * `unnumbered_paragraphs`, the heading block is paragraph 1 and the next plain block paragraph 2.
   */
  text_on_heading_line: z.boolean().optional(),
  /** Section types in which the level is recognised; absent = every structured section. */
  sections: z.array(z.enum(SECTION_TYPES)).optional(),
  /** Most blocks of own text (label block included) before a following plain block becomes a wrap-up. */
  max_blocks: z.number().int().min(1).optional(),
});

const unnumberedSchema = z.strictObject({
  /** never: plain blocks stay in their container; always: each becomes a paragraph; when_several: only if 2+. */
  mode: z.enum(['never', 'always', 'when_several']),
  kind: ident.default('paragraph'),
  abbr: ident.default('para'),
  parents: z.array(ident).default([]),
});

/** Schema of a vocabulary file (YAML) or inline vocabulary object. */
export const vocabSchema = z
  .strictObject({
    /**
     * 1: read as every release before issue 10 read it (any level's line starts a block; suffixes,
     * `(?<title>)` and `(?<num_last>)` not read), so documents already in a KB plan the same rows.
     * 2: a heading must begin a block unless its level is `inline`; suffixed numbers (`IVa`, `106a`,
     * `ca`) are read and sequence-checked; `(?<title>)` fills `heading`; `(?<num_last>)` makes a range.
     */
    vocab_format: z.union([z.literal(1), z.literal(2)]),
    name: z.string().min(1),
    description: z.string().optional(),
    region: regionSchema.default({ end_required: true }),
    excluded: z.array(excludedSchema).default([]),
    sections: z.array(sectionSchema).min(1),
    levels: z.array(levelSchema).min(1),
    unnumbered_paragraphs: unnumberedSchema.default({ mode: 'never', kind: 'paragraph', abbr: 'para', parents: [] }),
    /** Unit for plain blocks that follow a full `max_blocks` unit (EUR-Lex text after a list of points). */
    wrap_up: z.strictObject({ kind: ident, abbr: ident }).optional(),
  })
  .superRefine((v, ctx) => {
    v.levels.forEach((level, i) => {
      if (level.number !== 'none' && !level.pattern.includes('(?<num>')) {
        ctx.addIssue({ code: 'custom', message: 'a numbered level needs a (?<num>…) group', path: ['levels', i, 'pattern'] });
      }
      if (level.max_blocks !== undefined && v.wrap_up === undefined) {
        ctx.addIssue({ code: 'custom', message: 'max_blocks needs a wrap_up unit', path: ['levels', i, 'max_blocks'] });
      }
    });
    v.sections.forEach((s, i) => {
      if (s.repeat === true && (s.start === undefined || s.unit?.numbered !== true)) {
        ctx.addIssue({ code: 'custom', message: 'a repeating section needs a start pattern and a numbered unit', path: ['sections', i, 'repeat'] });
      }
      if (i > 0 && s.start === undefined && s.start_title === undefined) {
        ctx.addIssue({ code: 'custom', message: 'every section after the first needs start or start_title', path: ['sections', i] });
      }
    });
  });

/** A validated vocabulary (defaults filled in). */
export type Vocab = z.output<typeof vocabSchema>;
/** One hierarchy level of a {@link Vocab}. */
export type VocabLevel = Vocab['levels'][number];
/** One section rule of a {@link Vocab}. */
export type VocabSection = Vocab['sections'][number];

/** One schema problem, `path` in dot form (`levels.2.pattern`). */
export interface VocabIssue {
  path: string;
  message: string;
}

/** Every pattern of a vocabulary with its dot path (`levels.2.pattern`). */
export function vocabPatterns(v: Vocab): { path: string; source: string }[] {
  const out: { path: string; source: string }[] = [];
  const add = (path: string, source: string | undefined): void => void (source !== undefined && out.push({ path, source }));
  add('region.start', v.region.start);
  add('region.end', v.region.end);
  v.excluded.forEach((r, i) => {
    add(`excluded.${i}.pattern`, r.pattern);
    add(`excluded.${i}.until`, r.until);
  });
  v.sections.forEach((r, i) => {
    add(`sections.${i}.start`, r.start);
    add(`sections.${i}.start_title.pattern`, r.start_title?.pattern);
  });
  v.levels.forEach((l, i) => add(`levels.${i}.pattern`, l.pattern));
  return out;
}

/**
 * Validates a parsed vocabulary object. Errors are returned as data (`path: message`), never thrown.
 *
 * Patterns are screened for super-linear backtracking (issue 10: a user's pattern must not hang
 * the cut; `checkPatternSafety`, about 0.2 s for the first pattern of a process, then 1–20 ms each).
 * The shipped vocabularies skip the screening (`checkPatterns: false`): they are part of the product
 * and a unit test screens every one of their patterns.
 *
 * @param input - the object read from YAML or given inline
 * @param opts.checkPatterns - default true
 */
export function parseVocab(input: unknown, opts: { checkPatterns?: boolean } = {}): { ok: true; vocab: Vocab } | { ok: false; issues: VocabIssue[] } {
  const result = vocabSchema.safeParse(input);
  if (result.success) {
    if (opts.checkPatterns === false) return { ok: true, vocab: result.data };
    const issues: VocabIssue[] = [];
    for (const p of vocabPatterns(result.data)) {
      const safety = checkPatternSafety(p.source);
      if (!safety.ok) issues.push({ path: p.path, message: `pattern can hang the cut: ${safety.message}` });
    }
    return issues.length === 0 ? { ok: true, vocab: result.data } : { ok: false, issues };
  }
  return {
    ok: false,
    issues: result.error.issues.map((issue) => ({
      path: issue.path.length === 0 ? '(root)' : issue.path.map(String).join('.'),
      message: issue.message,
    })),
  };
}
