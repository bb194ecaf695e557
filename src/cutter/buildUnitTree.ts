/**
 * The structural half of CUTPLAN: reads the region block by block (a block = consecutive non-blank,
 * non-excluded lines) and decides where every unit begins, its address, kind, section type and parent.
 * Each unit's own text then runs from its start to the next unit's start (see `planCut`), so the
 * units tile the region and the cut is lossless by construction (DESIGN §4 phase 7).
 */
import { InputError } from '../errors.js';
import type { CompiledLevel, CompiledVocab } from './compileVocab.js';
import type { LineTable } from './lineTable.js';
import { parseNumber } from './parseNumber.js';

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
}

interface Open extends UnitNode {
  blocks: number;
  maxBlocks: number | undefined;
  hasChild: boolean;
  /** Plain blocks that may become unnumbered paragraphs; allocated on the first one. */
  pending: { startChar: number; startLine: number }[] | undefined;
}

/**
 * Builds the unit list of a region in creation order (callers sort by `startChar`).
 *
 * @throws InputError `{ file, line, offset }` when text precedes the first unit, a number is out of
 *   sequence or repeated at one level, an address repeats, or no heading of the vocabulary matches
 */
export function buildUnitTree(input: TreeInput, cv: CompiledVocab): UnitNode[] {
  const { text, lines, excludedLine, where, addressPrefix: prefix } = input;
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
  const nextPosition = (key: string): number => {
    const n = (positions.get(key) ?? 0) + 1;
    positions.set(key, n);
    return n;
  };
  const add = (node: Omit<Open, 'blocks' | 'hasChild' | 'pending'>, blocks: number): number => {
    const first = seen.get(node.address);
    if (first !== undefined) fail(`duplicate address ${node.address.slice(prefix.length)} (first at line ${where(first).line})`, node.startLine);
    seen.set(node.address, node.startLine);
    if (node.parent >= 0) (nodes[node.parent] as Open).hasChild = true;
    nodes.push({
      address: node.address, kind: node.kind, sectionType: node.sectionType, parent: node.parent, heading: node.heading,
      startChar: node.startChar, startLine: node.startLine, maxBlocks: node.maxBlocks, blocks, hasChild: false, pending: undefined,
    });
    return nodes.length - 1;
  };
  const childId = (parent: number, part: string): string => (parent < 0 ? prefix + part : `${(nodes[parent] as Open).address}__${part}`);
  const close = (idx: number): void => {
    const node = nodes[idx] as Open;
    const mode = vocab.unnumbered_paragraphs.mode;
    const min = mode === 'always' ? 1 : mode === 'when_several' ? 2 : Infinity;
    if (node.hasChild || node.pending === undefined || node.pending.length < min) return;
    const { kind, abbr } = vocab.unnumbered_paragraphs;
    node.pending.forEach((p, k) => {
      add({ address: `${node.address}__${abbr}_${k + 1}`, kind, sectionType: node.sectionType, parent: idx, heading: null, startChar: p.startChar, startLine: p.startLine, maxBlocks: undefined }, 1);
    });
  };
  const popTo = (depth: number): void => {
    while (stack.length > depth) close(stack.pop() as number);
  };

  const startsLevel = (l: string): boolean => cv.levels.some((level) => level.re.test(l));
  for (let line = 0; line < lines.count; ) {
    if (excludedLine[line] === 1 || blank(line)) {
      line++;
      continue;
    }
    const first = line;
    line++;
    // A line that matches a level pattern starts a new block even without a blank line before it
    // (inline point lists "(a) …" on consecutive lines).
    while (line < lines.count && excludedLine[line] !== 1 && !blank(line) && !startsLevel(content(line))) line++;
    const head = content(first);
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

    let nextSection = -1;
    for (let i = section + 1; i < cv.sections.length && nextSection < 0; i++) {
      const r = cv.sections[i] as (typeof cv.sections)[number];
      if (r.startRe !== undefined && r.startRe.test(head)) nextSection = i;
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
        stack.push(add({ address: prefix + part, kind: rule.unit.kind, sectionType: rule.type, parent: -1, heading: null, startChar, startLine: first, maxBlocks: undefined }, 1));
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
      seqLast.set(seqKey(level.level, parent), level.value ?? NaN);
      stack.push(add({ address: childId(parent, part), kind: level.level.kind, sectionType: rule.type, parent, heading: null, startChar, startLine: first, maxBlocks: level.level.max_blocks }, 1));
      if (level.level.title_line) expectTitle = stack[stack.length - 1] as number;
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
    type Choice = { level: CompiledLevel; num: string | undefined; value: number | undefined; depth: number; rank: number; raw: string; last: number | undefined };
    let best: Choice | undefined;
    for (const level of cv.levels) {
      if (level.sections !== undefined && !level.sections.includes(sectionType as never)) continue;
      const m = level.re.exec(head);
      if (m === null) continue;
      const raw = m.groups?.['num'] ?? '';
      const parsed = level.number === 'none' ? { id: undefined, value: undefined } : parseNumber(raw, level.number);
      if (parsed === undefined) continue;
      // Every open unit this level may sit in is a candidate parent; a sequence that continues
      // beats one that starts, so "(b)" closes point (a) instead of nesting under it, and "(i)"
      // after "(h)" is a letter, not roman 1 (bluebell's rule). A value that cannot be checked
      // (5a, 1-2, unnumbered) is accepted.
      // Candidate depths, innermost first: d > 0 = under the open unit stack[d - 1], 0 = a root.
      const num = level.number_id === 'label' && parsed.id !== undefined ? raw.replace(/^[([]+|[)\].]+$/g, '').toLowerCase() : parsed.id;
      for (let depth = stack.length; depth >= 0; depth--) {
        const parent = depth === 0 ? -1 : (stack[depth - 1] as number);
        if (!level.parents.includes(depth === 0 ? 'root' : (nodes[parent] as Open).kind)) continue;
        const lastRaw = seqLast.get(seqKey(level, parent));
        const last = lastRaw === undefined || Number.isNaN(lastRaw) ? undefined : lastRaw;
        const v = parsed.value;
        let rank: number;
        if (v === undefined) rank = 1;
        else if (lastRaw === undefined) rank = v === 1 ? 2 : -1;
        else if (last === undefined) rank = 1;
        else rank = v === last + 1 ? 3 : 0;
        if (best === undefined || rank > best.rank || (rank > 0 && rank === best.rank && depth > best.depth)) best = { level, num, value: v, depth, rank, raw, last };
      }
    }
    if (best !== undefined && best.rank <= 0) {
      const { level, raw, last, value } = best;
      const what = `${level.kind} ${raw}`;
      if (last === undefined) fail(`${what} out of sequence: the first ${level.kind} at this level must be number 1`, line);
      if (value !== undefined && last !== undefined && value <= last) fail(`${what} repeated or out of sequence: expected number ${last + 1}`, line);
      fail(`${what} out of sequence: expected number ${(last ?? 0) + 1}`, line);
    }
    return best;
  }
}
