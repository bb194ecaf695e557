/**
 * A validated vocabulary with its patterns compiled once, for MARK and CUTPLAN.
 */
import type { Vocab, VocabLevel, VocabSection } from './vocabSchema.js';

/** A level with its compiled pattern and its position in the vocabulary. */
export interface CompiledLevel extends VocabLevel {
  re: RegExp;
  index: number;
  /** The pattern with the `d` flag (match indices), compiled on first need (range look-alike check). */
  reIndices?: RegExp;
}

/** A section rule with compiled start patterns. */
export interface CompiledSection extends VocabSection {
  startRe: RegExp | undefined;
  titleRe: RegExp | undefined;
}

/** {@link Vocab} plus compiled regular expressions (all with the `u` flag, matched per line). */
export interface CompiledVocab {
  vocab: Vocab;
  regionStart: RegExp | undefined;
  regionEnd: RegExp | undefined;
  excluded: { re: RegExp; extent: 'line' | 'block' | 'until'; until: RegExp | undefined; reason: string }[];
  sections: CompiledSection[];
  levels: CompiledLevel[];
}

const compile = (source: string | undefined): RegExp | undefined => (source === undefined ? undefined : new RegExp(source, 'u'));

/**
 * Compiles the patterns of a vocabulary already validated by `parseVocab` (so every pattern is valid).
 *
 * @param vocab - a validated vocabulary
 */
export function compileVocab(vocab: Vocab): CompiledVocab {
  return {
    vocab,
    regionStart: compile(vocab.region.start),
    regionEnd: compile(vocab.region.end),
    excluded: vocab.excluded.map((r) => ({ re: new RegExp(r.pattern, 'u'), extent: r.extent, until: compile(r.until), reason: r.reason })),
    sections: vocab.sections.map((s) => ({ ...s, startRe: compile(s.start), titleRe: compile(s.start_title?.pattern) })),
    levels: vocab.levels.map((l, index) => ({ ...l, re: new RegExp(l.pattern, 'u'), index })),
  };
}
