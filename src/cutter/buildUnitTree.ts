/**
 * The structural half of CUTPLAN: reads the region block by block (a block = consecutive non-blank,
 * non-excluded lines) and decides where every unit begins, its address, kind, section type and parent.
 * Each unit's own text then runs from its start to the next unit's start (see `planCut`), so the
 * units tile the region and the cut is lossless by construction (DESIGN §4 phase 7).
 */
import { InputError } from '../errors.js';
import type { CompiledLevel, CompiledVocab } from './compileVocab.js';
import type { LineTable } from './lineTable.js';
import { parseNumber, toRoman } from './parseNumber.js';

/** A unit found in the region. Offsets are in UTF-16 code units of the region text. */
export interface UnitNode {
  /** The canonical address `<prefix><eId>` (DESIGN §2), built here so no unit's eId is copied twice. */
  address: string;
  kind: string;
  sectionType: string;
  parent: number;
  heading: string | null;
  startChar: number;
  startLine: number;
  /**
   * Set on a unit of a number that a range heading covers ("Articles 10–12 [Repealed]" gives
   * art_11 and art_12): the index of the unit that holds the heading's text; this unit's text is
   * empty and it starts where that unit starts.
   */
  coveredBy?: number;
}

/** What the tree builder reads: the region, its line table and which lines are excluded. */
export interface TreeInput {
  text: string;
  lines: LineTable;
  excludedLine: Uint8Array;
  /** Prepended to every eId to make its canonical address (`US-CONST/`); not part of error messages. */
  addressPrefix: string;
  /** Converts a region line index to an error location (absolute line, byte offset, file). */
  where: (line: number) => { file: string; line: number; offset: number };
  /** Receives each warning (a line read as text although it looks like a heading, …) with its location appended. */
  warn?: (message: string) => void;
}

/** After a heading's number: a list or range of further numbers ("und 75", ", 6", "–12", "to 14"). */
const RANGE_LOOKALIKE = /^(?:[.)\]]?\s*(?:,|–|—|&|and|und|to|bis|through|et|à)\s*(?:§+\s*)?|-)\(?([0-9A-Za-z]+)/u;

/** A label for an eId from a number as written: brackets and end dots dropped; a space before a suffix dropped (`IV a` → `iva`), other spaces `-`. */
function labelId(raw: string): string {
  return raw.replace(/^[([]+|[)\].]+$/g, '').trim().toLowerCase().replace(/(\S)\s+([a-z]{1,2})$/, '$1$2').replace(/\s+/g, '-');
}

/** Sequence keys: a number's value times this plus its suffix (`4b` = 4 * 1024 + 2), so 4 < 4a < 4b < 5. */
const SUFFIX_SPAN = 1024;

/** The label of a sequence key for messages (`4`, `4a`). */
function keyLabel(key: number): string {
  const value = Math.floor(key / SUFFIX_SPAN);
  let suffix = key % SUFFIX_SPAN;
  let letters = '';
  while (suffix > 0) {
    const d = (suffix - 1) % 26;
    letters = String.fromCharCode(97 + d) + letters;
    suffix = Math.floor((suffix - 1) / 26);
  }
  return `${value}${letters}`;
}

interface Open extends UnitNode {
  blocks: number;
  maxBlocks: number | undefined;
  hasChild: boolean;
  /** Plain blocks that may become unnumbered paragraphs; allocated on the first one. */
  pending: { startChar: number; startLine: number }[] | undefined;
  /** Whether `pending` starts with the heading block itself (`text_on_heading_line`). */
  headingParagraph: boolean;
}

/**
 * Builds the unit list of a region in creation order (callers sort by `startChar`).
 *
 * @throws InputError `{ file, line, offset }` when text precedes the first unit, a number is out of
 *   sequence or repeated at one level (vocab `order`), an address repeats, a block begins with a line
 *   matching a level's pattern that cannot be read as that level (number of another style, no open
 *   unit may hold it; a warning instead when the level is `optional`), or no heading of the
 *   vocabulary matches (issue 10: no silent mis-cut)
 */
export function buildUnitTree(input: TreeInput, cv: CompiledVocab): UnitNode[] {
  const { text, lines, excludedLine, where, addressPrefix: prefix, warn } = input;
  const vocab = cv.vocab;
  const nodes: Open[] = [];
  const stack: number[] = [];
  // Last number per numbering sequence. A sequence is (parent unit or the whole document, level
  // kind/number style); its key is the number (parent + 2) * seqClasses + class, document = 0,
  // so no key string is built per block.
  const seqLast = new Map<number, number>();
  const seqClassOf = new Map<string, number>();
  const levelSeqClass = cv.levels.map((l) => {
    const name = `${l.kind}/${l.number}`;
    if (!seqClassOf.has(name)) seqClassOf.set(name, seqClassOf.size);
    return seqClassOf.get(name) as number;
  });
  const seqClasses = seqClassOf.size;
  const seqKey = (level: CompiledLevel, parent: number): number =>
    (level.sequence === 'document' ? 0 : parent + 2) * seqClasses + (levelSeqClass[level.index] as number);
  const positions = new Map<string, number>();
  const seen = new Map<string, number>();
  let section = 0;
  let headings = 0;
  let expectTitle = -1;
  let started = false;
  const content = (i: number): string => text.slice(lines.charStart[i], lines.contentEnd[i]);
  // Blank-line test on char codes: no slice and no regex per line (the hot loop of big documents).
  const blank = (i: number): boolean => {
    for (let c = lines.charStart[i] as number, end = lines.contentEnd[i] as number; c < end; c++) {
      const code = text.charCodeAt(c);
      if (code !== 32 && code !== 9 && code !== 13 && code !== 0xa0) return false;
    }
    return true;
  };

  const fail = (message: string, line: number): never => {
    const loc = where(line);
    throw new InputError(`${message} (${loc.file}:${loc.line}, offset ${loc.offset})`, loc);
  };
  const warnAt = (message: string, line: number): void => {
    if (warn === undefined) return;
    const loc = where(line);
    warn(`${message} (${loc.file}:${loc.line}, offset ${loc.offset})`);
  };
  const nextPosition = (key: string): number => {
    const n = (positions.get(key) ?? 0) + 1;
    positions.set(key, n);
    return n;
  };
  const add = (node: Omit<Open, 'blocks' | 'hasChild' | 'pending' | 'headingParagraph'>, blocks: number, coveredBy?: number): number => {
    const first = seen.get(node.address);
    if (first !== undefined) fail(`duplicate address ${node.address.slice(prefix.length)} (first at line ${where(first).line})`, node.startLine);
    seen.set(node.address, node.startLine);
    if (node.parent >= 0) (nodes[node.parent] as Open).hasChild = true;
    nodes.push({
      address: node.address, kind: node.kind, sectionType: node.sectionType, parent: node.parent, heading: node.heading,
      startChar: node.startChar, startLine: node.startLine, maxBlocks: node.maxBlocks, blocks, hasChild: false, pending: undefined,
      headingParagraph: false, ...(coveredBy === undefined ? {} : { coveredBy }),
    });
    return nodes.length - 1;
  };
  const childId = (parent: number, part: string): string => (parent < 0 ? prefix + part : `${(nodes[parent] as Open).address}__${part}`);
  const close = (idx: number): void => {
    const node = nodes[idx] as Open;
    const mode = vocab.unnumbered_paragraphs.mode;
    const min = mode === 'always' ? 1 : mode === 'when_several' ? 2 : Infinity;
    if (node.pending === undefined || node.pending.length < min) return;
    const { kind, abbr } = vocab.unnumbered_paragraphs;
    if (node.hasChild) {
      const plain = node.pending.length - (node.headingParagraph ? 1 : 0);
      if (plain > 0) {
        warnAt(`${node.address.slice(prefix.length)}: ${plain} plain block(s) before its first child unit stay in its own text and get no ${abbr} address (a unit with child units gets no unnumbered paragraphs)`, (node.pending[node.headingParagraph ? 1 : 0] as { startLine: number }).startLine);
      }
      return;
    }
    node.pending.forEach((p, k) => {
      add({ address: `${node.address}__${abbr}_${k + 1}`, kind, sectionType: node.sectionType, parent: idx, heading: null, startChar: p.startChar, startLine: p.startLine, maxBlocks: undefined }, 1);
    });
  };
  const popTo = (depth: number): void => {
    while (stack.length > depth) close(stack.pop() as number);
  };

  // vocab_format 1 reads every level as inline, as it always did (same rows for documents already cut).
  const format2 = vocab.vocab_format === 2;
  const inlineLevels = format2 ? cv.levels.filter((level) => level.inline === true) : cv.levels;
  const blockLevels = format2 ? cv.levels.filter((level) => level.inline !== true) : [];
  // The last line per level that looked like its heading but stayed text (no blank line before it):
  // a sequence error at that level then names it, since `inline: true` is the likelier fix.
  const absorbed = new Map<number, number>();
  // Numbers already used per sequence of an `order: none` level (repeats are refused, any order is not).
  const usedNumbers = new Map<number, Set<number>>();
  const recognisedIn = (sectionIndex: number, level: CompiledLevel): boolean => {
    const rule = cv.sections[sectionIndex] as (typeof cv.sections)[number];
    return rule.structured && (level.sections === undefined || level.sections.includes(rule.type));
  };
  for (let line = 0; line < lines.count; ) {
    if (excludedLine[line] === 1 || blank(line)) {
      line++;
      continue;
    }
    const first = line;
    const head = content(first);
    // The section this block belongs to is known from its first line (a section start switches it).
    let nextSection = -1;
    if (expectTitle < 0) {
      const from = started && (cv.sections[section] as (typeof cv.sections)[number]).repeat === true ? section : section + 1;
      for (let i = from; i < cv.sections.length && nextSection < 0; i++) {
        const r = cv.sections[i] as (typeof cv.sections)[number];
        if (r.startRe !== undefined && r.startRe.test(head)) nextSection = i;
      }
    }
    const blockSection = nextSection >= 0 ? nextSection : section;
    line++;
    // Only an `inline` level's line starts a new block without a blank line before it (point lists
    // "(a) …" on consecutive lines); any other heading-like line inside running text stays text.
    while (line < lines.count && excludedLine[line] !== 1 && !blank(line)) {
      const l = content(line);
      if (inlineLevels.length > 0 && inlineLevels.some((level) => level.re.test(l))) break;
      const like = blockLevels.find((level) => recognisedIn(blockSection, level) && level.re.test(l));
      if (like !== undefined) {
        absorbed.set(like.index, line);
        warnAt(`line looks like a ${like.kind} heading but follows text without a blank line: kept as text of the block above (set inline: true on level ${like.kind} if it is a heading)`, line);
      }
      line++;
    }
    const startChar = lines.charStart[first] as number;

    if (expectTitle >= 0) {
      const node = nodes[expectTitle] as Open;
      expectTitle = -1;
      node.heading = text.slice(startChar, lines.contentEnd[line - 1]).replace(/\s*\n\s*/g, ' ').trim();
      node.blocks++;
      let s = -1;
      for (let i = section + 1; i < cv.sections.length && s < 0; i++) {
        const r = cv.sections[i] as (typeof cv.sections)[number];
        if (r.titleRe !== undefined && r.start_title?.level === node.kind && r.titleRe.test(node.heading ?? '')) s = i;
      }
      if (s >= 0) {
        section = s;
        node.sectionType = (cv.sections[s] as (typeof cv.sections)[number]).type;
      }
      continue;
    }

    if (nextSection >= 0 || !started) {
      started = true;
      if (nextSection >= 0) section = nextSection;
      const rule = cv.sections[section] as (typeof cv.sections)[number];
      // Without a marker unit the start line stays with the open unit ("Whereas:" ends the
      // preamble) until a heading of the new section closes it.
      if (rule.unit !== undefined) {
        popTo(0);
        const part = rule.unit.numbered ? `${rule.unit.abbr}_${nextPosition(`root:${rule.unit.abbr}`)}` : rule.unit.abbr;
        const marker = add({ address: prefix + part, kind: rule.unit.kind, sectionType: rule.type, parent: -1, heading: null, startChar, startLine: first, maxBlocks: undefined }, 1);
        stack.push(marker);
        if (rule.unit.title_line === true) expectTitle = marker;
        continue;
      }
    }

    const rule = cv.sections[section] as (typeof cv.sections)[number];
    const level = rule.structured ? chooseLevel(head, rule.type, first) : undefined;
    if (level !== undefined) {
      headings++;
      popTo(level.depth);
      const parent = level.depth === 0 ? -1 : (stack[level.depth - 1] as number);
      const part = level.num === undefined ? `${level.level.abbr}_${nextPosition(`${parent}:${level.level.abbr}`)}` : `${level.level.abbr}_${level.num}`;
      seqLast.set(seqKey(level.level, parent), level.covered.length > 0 ? (level.covered[level.covered.length - 1] as { key: number }).key : (level.key ?? NaN));
      const idx = add({ address: childId(parent, part), kind: level.level.kind, sectionType: rule.type, parent, heading: level.title ?? null, startChar, startLine: first, maxBlocks: level.level.max_blocks }, 1);
      for (const c of level.covered) {
        add({ address: childId(parent, `${level.level.abbr}_${c.id}`), kind: level.level.kind, sectionType: rule.type, parent, heading: level.title ?? null, startChar, startLine: first, maxBlocks: undefined }, 1, idx);
      }
      stack.push(idx);
      if (level.level.text_on_heading_line === true && vocab.unnumbered_paragraphs.parents.includes(level.level.kind)) {
        const node = nodes[idx] as Open;
        node.pending = [{ startChar, startLine: first }];
        node.headingParagraph = true;
      }
      if (level.level.title_line && level.title === undefined) expectTitle = idx;
      continue;
    }

    if (stack.length === 0) fail(`text outside any unit: vocabulary ${vocab.name} matches no heading or section start here`, first);
    const top = nodes[stack[stack.length - 1] as number] as Open;
    if (top.maxBlocks !== undefined && top.blocks >= top.maxBlocks && vocab.wrap_up !== undefined) {
      popTo(stack.length - 1);
      const parent = stack.length === 0 ? -1 : (stack[stack.length - 1] as number);
      const { kind, abbr } = vocab.wrap_up;
      const sectionType = parent >= 0 ? (nodes[parent] as Open).sectionType : rule.type;
      stack.push(add({ address: childId(parent, `${abbr}_${nextPosition(`${parent}:${abbr}`)}`), kind, sectionType, parent, heading: null, startChar, startLine: first, maxBlocks: undefined }, 1));
      continue;
    }
    top.blocks++;
    if (vocab.unnumbered_paragraphs.parents.includes(top.kind) && !top.hasChild) (top.pending ??= []).push({ startChar, startLine: first });
  }
  popTo(0);
  if (headings === 0) fail(`vocabulary ${vocab.name} matches no heading in the region`, 0);
  return nodes;

  function chooseLevel(head: string, sectionType: string, line: number) {
    type Choice = {
      level: CompiledLevel; num: string | undefined; key: number | undefined; title: string | undefined; covered: { id: string; key: number }[];
      depth: number; rank: number; raw: string; last: number | undefined; looksLikeRange: boolean;
    };
    let best: Choice | undefined;
    const misses: { level: CompiledLevel; why: string }[] = [];
    for (const level of cv.levels) {
      if (level.sections !== undefined && !level.sections.includes(sectionType as never)) continue;
      const m = level.re.exec(head);
      if (m === null) continue;
      const raw = m.groups?.['num'] ?? '';
      const parsed = level.number === 'none' ? { id: undefined, value: undefined, suffix: 0 } : parseNumber(raw, level.number, format2);
      if (parsed === undefined) {
        const v2 = !format2 && parseNumber(raw, level.number) !== undefined ? ' (vocab_format: 2 reads suffixed numbers such as IVa or ca)' : '';
        misses.push({ level, why: `"${raw}" is not a number of style ${level.number}${v2}` });
        continue;
      }
      const titleRaw = format2 ? m.groups?.['title']?.trim() : undefined;
      const title = titleRaw === undefined || titleRaw === '' ? undefined : titleRaw;
      const key = parsed.value === undefined ? undefined : parsed.value * SUFFIX_SPAN + parsed.suffix;
      const order = level.order ?? 'consecutive';
      const covered = format2 ? coveredNumbers(level, raw, key, m.groups?.['num_last'], line) : [];
      const looksLikeRange = (!format2 || m.groups?.['num_last'] === undefined) && key !== undefined && level.number !== 'none' && rangeLookalike(level, head, key);
      // Every open unit this level may sit in is a candidate parent; a sequence that continues
      // beats one that starts, so "(b)" closes point (a) instead of nesting under it, and "(i)"
      // after "(h)" is a letter, not roman 1 (bluebell's rule). A value that cannot be checked
      // (1-2, unnumbered) is accepted.
      // Candidate depths, innermost first: d > 0 = under the open unit stack[d - 1], 0 = a root.
      // Format 1 keeps its label exactly as before (same addresses for documents already cut).
      const num = level.number_id === 'label' && parsed.id !== undefined ? (format2 ? labelId(raw) : raw.replace(/^[([]+|[)\].]+$/g, '').toLowerCase()) : parsed.id;
      let placed = false;
      for (let depth = stack.length; depth >= 0; depth--) {
        const parent = depth === 0 ? -1 : (stack[depth - 1] as number);
        if (!level.parents.includes(depth === 0 ? 'root' : (nodes[parent] as Open).kind)) continue;
        placed = true;
        const lastRaw = seqLast.get(seqKey(level, parent));
        const last = lastRaw === undefined || Number.isNaN(lastRaw) ? undefined : lastRaw;
        let rank: number;
        if (key === undefined) rank = 1;
        else if (order === 'none') rank = usedNumbers.get(seqKey(level, parent))?.has(key) === true ? 0 : 1;
        else if (lastRaw === undefined) rank = order === 'increasing' || key === SUFFIX_SPAN ? 2 : -1;
        else if (last === undefined) rank = 1;
        else if (order === 'increasing') rank = key > last ? 3 : 0;
        else rank = key === (Math.floor(last / SUFFIX_SPAN) + 1) * SUFFIX_SPAN || key === last + 1 ? 3 : 0;
        if (best === undefined || rank > best.rank || (rank > 0 && rank === best.rank && depth > best.depth)) best = { level, num, key, title, covered, depth, rank, raw, last, looksLikeRange };
      }
      if (!placed) {
        const open = stack.length === 0 ? 'none' : stack.map((i) => (nodes[i] as Open).kind).join(' > ');
        misses.push({ level, why: `no open unit may hold it (parents: ${level.parents.join(', ')}; open: ${open})` });
      }
    }
    if (best !== undefined && best.rank <= 0) {
      const { level, raw, last, key } = best;
      const what = `${level.kind} ${raw}`;
      if ((level.order ?? 'consecutive') === 'none') fail(`${what} repeated: numbers of this level may come in any order (order: none) but not twice in one sequence`, line);
      const parentOfBest = best.depth === 0 ? -1 : (stack[best.depth - 1] as number);
      // Only a line kept inside the unit the number would sit in (it is still open) explains this error.
      const kept = absorbed.get(level.index);
      const inParent = kept !== undefined && kept < line && (parentOfBest === -1 || kept >= (nodes[parentOfBest] as Open).startLine);
      const hint = inParent
        ? `; line ${where(kept).line} looks like a ${level.kind} heading but follows text without a blank line and was kept as text: set inline: true on level ${level.kind} if it is one, or, if the law numbers this level with gaps, order: increasing`
        : `; if the law numbers this level with gaps or from another number, set order: increasing on level ${level.kind}`;
      if (last === undefined) fail(`${what} out of sequence: the first ${level.kind} at this level must be number 1${hint}`, line);
      const lastValue = Math.floor((last as number) / SUFFIX_SPAN);
      if ((level.order ?? 'consecutive') === 'increasing') fail(`${what} out of order: must come after ${level.kind} ${keyLabel(last as number)} (order: increasing)`, line);
      const expected = `${lastValue + 1} or ${keyLabel((last as number) + 1)}`;
      if (key !== undefined && key <= (last as number)) fail(`${what} repeated or out of sequence: expected number ${expected}`, line);
      fail(`${what} out of sequence: expected number ${expected}${hint}`, line);
    }
    if (best === undefined && misses.length > 0) {
      for (const miss of misses) {
        const message = `line matches the pattern of level ${miss.level.kind} but is not read as its heading: ${miss.why}`;
        if (miss.level.optional !== true) fail(`${message}; fix the text, the pattern or the level, or mark the level optional: true to keep such lines as text`, line);
      }
      for (const miss of misses) warnAt(`line matches the pattern of optional level ${miss.level.kind}, kept as text: ${miss.why}`, line);
    }
    if (best !== undefined && (best.level.order ?? 'consecutive') === 'none' && best.key !== undefined) {
      const k = seqKey(best.level, best.depth === 0 ? -1 : (stack[best.depth - 1] as number));
      (usedNumbers.get(k) ?? usedNumbers.set(k, new Set()).get(k)!).add(best.key);
    }
    if (best?.looksLikeRange === true) {
      warnAt(`${best.level.kind} ${best.raw}: the heading looks like a range or list of numbers; only ${best.raw} gets an address unless the pattern captures the last number in a (?<num_last>…) group${format2 ? '' : ' (read by vocab_format: 2)'}`, line);
    }
    return best;
  }

  /**
   * Whether the heading goes on after its number with a list or range of further numbers of the
   * level's style ("und 75", ", 6", "–12", "to 14", "10-12"): read from where the `num` group ends.
   */
  function rangeLookalike(level: CompiledLevel, head: string, key: number): boolean {
    level.reIndices ??= new RegExp(level.pattern, 'du');
    const span = level.reIndices.exec(head)?.indices?.groups?.['num'];
    if (span === undefined) return false;
    const m = RANGE_LOOKALIKE.exec(head.slice(span[1]));
    if (m === null) return false;
    const next = parseNumber(m[1] as string, level.number, format2);
    return next?.value !== undefined && next.value * SUFFIX_SPAN + next.suffix > key;
  }

  /**
   * The further numbers a range heading covers: `num` 10, `num_last` 12 → 11, 12; `74a` and `75` →
   * 75 (every whole number after `num`, then `num_last` itself). Empty without a `num_last` group.
   */
  function coveredNumbers(level: CompiledLevel, raw: string, key: number | undefined, lastRaw: string | undefined, line: number): { id: string; key: number }[] {
    if (lastRaw === undefined || lastRaw.trim() === '') return [];
    const end = level.number === 'none' ? undefined : parseNumber(lastRaw, level.number);
    if (end === undefined || end.value === undefined || key === undefined) {
      return fail(`range heading ${level.kind} ${raw} to ${lastRaw}: both ends must be numbers of style ${level.number} (arabic, roman, letter or ordinal words with an optional suffix)`, line);
    }
    const endKey = end.value * SUFFIX_SPAN + end.suffix;
    if (endKey <= key) fail(`range heading ${level.kind} ${raw} to ${lastRaw}: the range ends before it starts`, line);
    const idOf = (v: number): string => {
      if (level.number === 'letter') {
        if (v > 52) fail(`range heading ${level.kind} ${raw} to ${lastRaw}: letters run to zz only`, line);
        return v > 26 ? String.fromCharCode(96 + v - 26).repeat(2) : String.fromCharCode(96 + v);
      }
      if (level.number === 'roman' && level.number_id === 'label') return toRoman(v);
      return String(v);
    };
    const base = Math.floor(key / SUFFIX_SPAN);
    const out: { id: string; key: number }[] = [];
    if (Math.floor(endKey / SUFFIX_SPAN) === base) {
      // 1a to 1c: the suffixes in between (1b), then the end.
      for (let k = key + 1; k < endKey; k++) out.push({ id: keyLabel(k).replace(/^\d+/, idOf(base)), key: k });
    } else {
      for (let v = base + 1; v * SUFFIX_SPAN < endKey; v++) out.push({ id: idOf(v), key: v * SUFFIX_SPAN });
    }
    out.push({ id: level.number_id === 'label' ? labelId(lastRaw) : end.id, key: endKey });
    return out;
  }
}
