import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { InputError } from '../../../src/errors.js';
import { markRegion } from '../../../src/cutter/markRegion.js';
import { planCut } from '../../../src/cutter/planCut.js';
import { parseVocab, type Vocab } from '../../../src/cutter/vocabSchema.js';
import { readVocabFile } from '../../../src/documents/readVocabFile.js';
import { repoRoot } from './corpusFixture.js';

const samplePath = path.join(repoRoot, 'knowledge/samples/sample-statute/source.txt');
const sample = readFileSync(samplePath, 'utf8');
const sampleVocabRaw = parse(readFileSync(path.join(repoRoot, 'knowledge/samples/sample-statute/vocab.yaml'), 'utf8')) as Record<string, unknown>;
const vocabOf = (patch: (v: Record<string, unknown>) => void): Vocab => {
  const raw = structuredClone(sampleVocabRaw);
  patch(raw);
  const r = parseVocab(raw);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.vocab;
};
const sampleVocab = vocabOf(() => undefined);
const id = { documentId: 'sample-ora', docPrefix: 'SAMPLE-ORA', sourceVersionId: '0'.repeat(64) };

/** Runs MARK then CUTPLAN, returning the InputError thrown (fails if none). */
function inputErrorOf(text: string | Uint8Array, vocab: Vocab, file = 'statute.txt'): InputError {
  try {
    const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
    planCut(markRegion(bytes, vocab, { file }), vocab, id);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('expected an InputError, got a plan');
}
/** 1-based line and byte offset of the first line equal to `line` in `text`. */
function locate(text: string, line: string): { line: number; offset: number } {
  const idx = text.split('\n').indexOf(line);
  expect(idx).toBeGreaterThanOrEqual(0);
  return { line: idx + 1, offset: Buffer.byteLength(text.split('\n').slice(0, idx).join('\n') + '\n', 'utf8') };
}

describe('bad input gives a located InputError and never a partial plan', () => {
  it('empty source', () => {
    const e = inputErrorOf('', sampleVocab);
    expect(e.where).toEqual({ file: 'statute.txt', line: 1, offset: 0 });
    expect(e.message).toMatch(/empty/);
  });

  it('invalid UTF-8 names the first bad byte', () => {
    const good = Buffer.from(sample, 'utf8');
    const at = locate(sample, 'PREAMBLE').offset + 3;
    const bad = Buffer.concat([good.subarray(0, at), Buffer.from([0xc3, 0x28]), good.subarray(at)]);
    const e = inputErrorOf(bad, sampleVocab);
    expect(e.where).toEqual({ file: 'statute.txt', line: locate(sample, 'PREAMBLE').line, offset: at });
    expect(e.message).toMatch(/not valid UTF-8/);
  });

  it('a real U+FFFD in the text is fine; a later bad byte is still found', () => {
    const text = sample.replace('PREAMBLE\n\nWhereas', 'PREAMBLE\n\n\uFFFD Whereas');
    expect(() => planCut(markRegion(Buffer.from(text), sampleVocab), sampleVocab, id)).not.toThrow();
    const bytes = Buffer.concat([Buffer.from(text), Buffer.from([0xff])]);
    const e = inputErrorOf(bytes, sampleVocab);
    expect(e.where.offset).toBe(Buffer.byteLength(text));
  });

  it('region start marker not found', () => {
    const e = inputErrorOf(sample, vocabOf((v) => ((v['region'] as Record<string, unknown>)['start'] = '^NO SUCH MARKER$')));
    expect(e.where).toEqual({ file: 'statute.txt', line: 1, offset: 0, field: 'region.start' });
  });

  it('required region end marker not found', () => {
    const e = inputErrorOf(sample, vocabOf((v) => ((v['region'] as Record<string, unknown>)['end'] = '^END OF ACT$')));
    expect(e.where).toEqual({ file: 'statute.txt', ...locate(sample, 'PREAMBLE'), field: 'region.end' });
  });

  it('a vocabulary that matches no heading', () => {
    const e = inputErrorOf(sample, vocabOf((v) => {
      for (const level of v['levels'] as Record<string, unknown>[]) level['pattern'] = `^NEVER ${String(level['pattern']).slice(1)}`;
    }));
    expect(e.message).toMatch(/matches no heading/);
    expect(e.where).toEqual({ file: 'statute.txt', ...locate(sample, 'PREAMBLE') });
  });

  it('a number out of sequence', () => {
    const text = sample.replace('ARTICLE 5\n', 'ARTICLE 7\n');
    const e = inputErrorOf(text, sampleVocab);
    expect(e.message).toMatch(/article 7 out of sequence: expected number 5/);
    expect(e.where).toEqual({ file: 'statute.txt', ...locate(text, 'ARTICLE 7') });
  });

  it('a number repeated at one level ("Article 5" twice)', () => {
    const text = sample.replace('ARTICLE 6\n', 'ARTICLE 5\n');
    const e = inputErrorOf(text, sampleVocab);
    expect(e.message).toMatch(/article 5 repeated/);
    const lines = text.split('\n');
    const second = lines.indexOf('ARTICLE 5', lines.indexOf('ARTICLE 5') + 1);
    expect(e.where.line).toBe(second + 1);
    expect(e.where.offset).toBe(Buffer.byteLength(lines.slice(0, second).join('\n') + '\n'));
  });

  it('a repeated point letter inside one paragraph', () => {
    const text = sample.replace('(b) refuse access', '(a) refuse access');
    const e = inputErrorOf(text, sampleVocab);
    expect(e.message).toMatch(/point a repeated/);
    expect(e.where.line).toBe(text.split('\n').findIndex((l) => l.startsWith('(a) refuse access')) + 1);
  });

  it('a first number that is not 1', () => {
    const text = sample.replace('1. This Act gives', '2. This Act gives');
    const e = inputErrorOf(text, sampleVocab);
    expect(e.message).toMatch(/paragraph 2 out of sequence/);
  });

  it('a duplicate address is an error, never a silent suffix', () => {
    const vocab = vocabOf((v) => {
      (v['sections'] as unknown[]).splice(2, 1, { type: 'attestation', start: '^Enacted ', unit: { kind: 'preamble', abbr: 'preamble' }, structured: false });
    });
    const e = inputErrorOf(sample, vocab);
    expect(e.message).toMatch(/duplicate address preamble/);
    expect(e.where).toEqual({ file: 'statute.txt', ...locate(sample, 'Enacted by the Assembly on 2 March 2026.') });
  });

  it('text before the first unit', () => {
    const e = inputErrorOf(sample, vocabOf((v) => {
      (v['region'] as Record<string, unknown>)['start'] = '^An Act to give';
      delete (v['sections'] as Record<string, unknown>[])[0]?.['unit'];
    }));
    expect(e.message).toMatch(/text outside any unit/);
    expect(e.where).toEqual({ file: 'statute.txt', ...locate(sample, sample.split('\n').find((l) => l.startsWith('An Act to give')) ?? '') });
  });
});

describe('vocabulary files that fail their schema', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cutter-vocab-'));
  it('names file, line, offset and field of the offending node', () => {
    const file = path.join(dir, 'bad.yaml');
    const yaml = readFileSync(path.join(repoRoot, 'knowledge/samples/sample-statute/vocab.yaml'), 'utf8').replace('    number: letter\n', '    number: hexadecimal\n');
    writeFileSync(file, yaml);
    let err: unknown;
    try {
      readVocabFile(file);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    const e = err as InputError;
    const lineIdx = yaml.split('\n').indexOf('    number: hexadecimal');
    expect(e.where.file).toBe(file);
    expect(e.where.field).toBe('levels.3.number');
    expect(e.where.line).toBe(lineIdx + 1);
    expect(e.where.offset).toBe(yaml.indexOf('hexadecimal'));
    expect(e.issues[0]?.path).toBe('levels.3.number');
  });

  it('reports every problem as path: message, and YAML syntax errors with a line', () => {
    const file = path.join(dir, 'worse.yaml');
    writeFileSync(file, 'vocab_format: 3\nname: x\nsections: []\nlevels:\n  - kind: Article\n    pattern: "("\n');
    let e: InputError | undefined;
    try {
      readVocabFile(file);
    } catch (err) {
      e = err as InputError;
    }
    const paths = e?.issues.map((i) => i.path) ?? [];
    expect(paths).toEqual(expect.arrayContaining(['vocab_format', 'sections', 'levels.0.kind', 'levels.0.pattern']));
    writeFileSync(file, 'name: x\nlevels: [\n  - a\n');
    try {
      readVocabFile(file);
    } catch (err) {
      e = err as InputError;
    }
    expect(e?.message).toMatch(/not valid YAML/);
    expect(e?.where.line).toBeGreaterThanOrEqual(2);
  });
});
