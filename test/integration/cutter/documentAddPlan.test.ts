import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { simpleGit } from 'simple-git';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { InputError } from '../../../src/errors.js';
import { documentAdd } from '../../../src/commands/documentAdd.js';
import { plan } from '../../../src/commands/plan.js';
import { checkLossless } from '../../../src/cutter/checkLossless.js';
import type { KbWriter } from '../../../src/documents/kbWriter.js';
import { loadDocument } from '../../../src/documents/loadDocument.js';
import { corpusSourcePath, FIXTURE_TEXTS, itWithCorpus, layoutFixture, SAMPLE_STATUTE, type CorpusName } from '../../support/corpus.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const corpus = (name: CorpusName): string => corpusSourcePath(name);
const gitEnv = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: tmpdir() };

/** A tiny real KB writer for tests: write, add that path only, commit (DESIGN §3 without push). */
async function realKb(): Promise<{ dir: string; kb: KbWriter }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cutter-kb-'));
  const git = simpleGit({ baseDir: dir, config: ['user.name=Cutter Test', 'user.email=cutter@test.invalid'] }).env(gitEnv);
  await git.init(['--initial-branch=main']);
  const kb: KbWriter = {
    async upload(relPath, bytes, message) {
      const abs = path.join(dir, ...relPath.split('/'));
      mkdirSync(path.dirname(abs), { recursive: true });
      const buf = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : Buffer.from(bytes);
      writeFileSync(abs, buf);
      await git.add([relPath]);
      const res = await git.commit(message, [relPath]);
      if (res.commit === '') throw new Error(`nothing committed for ${relPath}`);
      const commit = (await git.revparse(['HEAD'])).trim();
      return { path: relPath, sha256: createHash('sha256').update(buf).digest('hex'), bytes: buf.length, commit };
    },
  };
  return { dir, kb };
}

describe('document add + plan on a real git KB', () => {
  itWithCorpus('adds the US Constitution with a shipped vocabulary and plans it', async () => {
    const { dir, kb } = await realKb();
    const added = await documentAdd({ cwd: repoRoot, kbDir: dir, lawId: 'us-const', docPrefix: 'US-CONST', title: 'Constitution of the United States', source: corpus('us-constitution'), vocab: 'nara-us-constitution', kb });
    expect(added.document_path).toBe('knowledge/dev/laws/us-const/document.yaml');
    expect(added.uploads.map((u) => u.path)).toEqual(['knowledge/dev/laws/us-const/source.txt', 'knowledge/dev/laws/us-const/document.yaml']);
    const bytes = readFileSync(corpus('us-constitution'));
    expect(added.source_version_id).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(readFileSync(path.join(dir, added.source_path)).equals(bytes)).toBe(true);
    const log = await simpleGit({ baseDir: dir }).env(gitEnv).log();
    expect(log.total).toBe(2);
    expect(parse(readFileSync(path.join(dir, added.document_path), 'utf8'))).toEqual({ law_id: 'us-const', doc_prefix: 'US-CONST', title: 'Constitution of the United States', source: 'source.txt', vocab: 'nara-us-constitution' });

    const first = await plan({ kbDir: dir, documentId: 'us-const', json: true });
    const second = await plan({ kbDir: dir, documentId: 'us-const', json: false });
    expect(second.json.digests).toEqual(first.json.digests);
    expect(first.json.counts).toMatchObject({ preamble: 1, article: 7, amendment: 27, attestation: 1 });
    expect(first.json.units).toHaveLength(added.units);
    expect(first.json.units[0]).toMatchObject({ canonical_address: 'US-CONST/preamble', parent_address: null, ordinal: 1 });
    expect(first.json.region.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(first.text).toContain('first US-CONST/preamble');
    expect(first.text).toContain('last  US-CONST/amdt_27');
    expect(first.text).toMatch(/level 1: 1 preamble, 7 article, 1 attestation, 27 amendment/);

    const doc = loadDocument(dir, 'us-const');
    expect(doc.vocabOrigin).toMatchObject({ kind: 'shipped', name: 'nara-us-constitution' });
    expect(doc.sourceVersionId).toBe(added.source_version_id);
  });

  it('adds the sample statute with its own vocabulary file, copied into the KB', async () => {
    const { dir, kb } = await realKb();
    const added = await documentAdd({ cwd: repoRoot, kbDir: dir, lawId: 'sample-ora', docPrefix: 'SAMPLE-ORA', title: 'Sample Open Records Act', source: 'knowledge/samples/sample-statute/source.txt', vocab: 'knowledge/samples/sample-statute/vocab.yaml', kb });
    expect(added.uploads.map((u) => path.basename(u.path))).toEqual(['source.txt', 'vocab.yaml', 'document.yaml']);
    const { json } = await plan({ kbDir: dir, documentId: 'sample-ora', json: true });
    // Read from the text: 3 preamble paragraphs + 11 numbered paragraphs; points 3 + 3 + 2.
    expect(json.counts).toEqual({ preamble: 1, paragraph: 14, chapter: 2, article: 6, point: 8, attestation: 1 });
    expect(json.excluded.map((e) => e.reason)).toEqual(['note', 'page_heading']);
    const doc = loadDocument(dir, 'sample-ora');
    expect(doc.vocabOrigin.kind).toBe('file');
    expect(Buffer.from(doc.vocabBytes).equals(readFileSync(path.join(repoRoot, 'knowledge/samples/sample-statute/vocab.yaml')))).toBe(true);
    const units = json.units.map((u) => u.canonical_address);
    expect(units).toContain('SAMPLE-ORA/chp_2__art_4__para_2__point_c');
    expect(json.warnings).toEqual([]);

    // Losslessness checked from plan --json and the source bytes alone (issue 10): the units' spans
    // tile the region, and each unit's hash is that of its span minus the excluded spans inside it.
    const region = readFileSync(path.join(repoRoot, 'knowledge/samples/sample-statute/source.txt')).subarray(json.region.start, json.region.end);
    let pos = 0;
    for (const u of json.units) {
      expect(u.offset, u.canonical_address).toBe(pos);
      pos += u.length;
      const inside = json.excluded.filter((e) => e.offset >= u.offset && e.offset < u.offset + u.length);
      const parts: Buffer[] = [];
      let at = u.offset;
      for (const e of inside) {
        parts.push(region.subarray(at, e.offset));
        at = e.offset + e.length;
      }
      parts.push(region.subarray(at, u.offset + u.length));
      const own = Buffer.concat(parts);
      expect(own.length, u.canonical_address).toBe(u.bytes);
      expect(createHash('sha256').update(own).digest('hex'), u.canonical_address).toBe(u.content_hash);
    }
    expect(pos).toBe(region.length);
    expect(json.excluded.length).toBeGreaterThan(0);
  });

  it('a layout with a heading-like line inside a paragraph: document add counts the warning, plan shows it', async () => {
    const { dir, kb } = await realKb();
    const fixture = layoutFixture('lettered-constitution');
    const added = await documentAdd({ cwd: repoRoot, kbDir: dir, lawId: 'basic-law', docPrefix: 'BASIC-LAW', title: 'Model Basic Law', source: fixture.source, vocab: fixture.vocab, kb });
    expect(added.warnings).toBe(1);
    expect(added.next).toBe('orchestrate plan --document-id basic-law');
    expect(added.text).toContain('1 warning(s) about lines that look like headings');
    const { json, text } = await plan({ kbDir: dir, documentId: 'basic-law', json: false });
    expect(json.warnings).toHaveLength(1);
    expect(json.next).toBe('orchestrate cut --document-id basic-law');
    expect(text).toContain('1 warning(s): look at these lines before cutting');
    expect(text).toMatch(/warning: line looks like a point heading but follows text without a blank line: .* \(knowledge\/.*source\.txt:71, offset \d+\)/);
    expect(text).toMatch(/level 2: 25 article/);
    const covered = json.units.find((u) => u.canonical_address === 'BASIC-LAW/part_7__art_75');
    expect(covered).toMatchObject({ bytes: 0, length: 0, covered_by: 'BASIC-LAW/part_7__art_74a' });
  });

  it('refuses bad input before writing anything', async () => {
    const { dir, kb } = await realKb();
    const add = (over: Partial<Parameters<typeof documentAdd>[0]>) =>
      documentAdd({ cwd: repoRoot, kbDir: dir, lawId: SAMPLE_STATUTE.lawId, docPrefix: SAMPLE_STATUTE.docPrefix, title: SAMPLE_STATUTE.title, source: SAMPLE_STATUTE.source, vocab: SAMPLE_STATUTE.vocab, kb, ...over });
    // A statute text whose layout is not the vocabulary's (no "PREAMBLE" line to start the region).
    const otherLayout = path.join(mkdtempSync(path.join(tmpdir(), 'cutter-src-')), 'other.txt');
    writeFileSync(otherLayout, 'AN ACT IN ANOTHER LAYOUT\n\nSection 1. Short title\n\nThis Act may be cited as the Other Layout Act.\n');
    await expect(add({ lawId: 'sample' })).rejects.toMatchObject({ where: { field: 'law-id' } });
    await expect(add({ vocab: 'no-such-vocab' })).rejects.toBeInstanceOf(InputError);
    await expect(add({ source: otherLayout })).rejects.toMatchObject({ where: { field: 'region.start' } });
    await expect(add({ source: 'missing.txt' })).rejects.toMatchObject({ where: { field: 'source' } });
    expect((await simpleGit({ baseDir: dir }).env(gitEnv).raw(['rev-list', '--all', '--count']).catch(() => '0')).trim()).toBe('0');
    await add({});
    await expect(add({})).rejects.toThrow(/already exists/);
    await expect(plan({ kbDir: dir, documentId: 'no-such-law', json: true })).rejects.toMatchObject({ where: { field: 'document-id' } });
  });

  it('loadDocument locates a broken document.yaml by file, line and field', async () => {
    const { dir, kb } = await realKb();
    // A fixture declaration in the UDHR layout, added with the shipped `udhr` vocabulary.
    await documentAdd({ cwd: repoRoot, kbDir: dir, lawId: 'readers', docPrefix: 'READERS', title: 'Readers', source: FIXTURE_TEXTS.readersDeclaration, vocab: 'udhr', kb });
    const file = path.join(dir, 'knowledge/dev/laws/readers/document.yaml');
    const source = path.basename(FIXTURE_TEXTS.readersDeclaration);
    writeFileSync(file, 'law_id: readers\ndoc_prefix: READERS\ntitle: Readers\nsource: ../escape.txt\nvocab: udhr\n');
    let err: InputError | undefined;
    try {
      loadDocument(dir, 'readers');
    } catch (e) {
      err = e as InputError;
    }
    expect(err).toBeInstanceOf(InputError);
    expect(err?.where).toMatchObject({ file, line: 4, field: 'source' });
    writeFileSync(file, `law_id: readers\ndoc_prefix: READERS\ntitle: Readers\nsource: ${source}\nvocab: udhr\n`);
    const { json } = await plan({ kbDir: dir, documentId: 'readers', json: true });
    expect(json.counts['article']).toBe(readFileSync(FIXTURE_TEXTS.readersDeclaration, 'utf8').match(/^Article \d+$/gm)?.length);
    expect(json.counts['article']).toBe(8);
    const doc = loadDocument(dir, 'readers');
    expect(doc.vocabOrigin.kind).toBe('shipped');
  });

  itWithCorpus('the plan of GDPR read back from the KB is lossless', async () => {
    const { dir, kb } = await realKb();
    await documentAdd({ cwd: repoRoot, kbDir: dir, lawId: 'eu-gdpr', docPrefix: 'EU-GDPR', title: 'GDPR', source: corpus('gdpr'), vocab: 'eu-regulation-eurlex', kb });
    const doc = loadDocument(dir, 'eu-gdpr');
    const { markRegion } = await import('../../../src/cutter/markRegion.js');
    const { planCut } = await import('../../../src/cutter/planCut.js');
    const mark = markRegion(doc.sourceBytes, doc.vocab);
    const rows = planCut(mark, doc.vocab, { documentId: 'eu-gdpr', docPrefix: 'EU-GDPR', sourceVersionId: doc.sourceVersionId });
    expect(checkLossless(mark.text, rows, mark.excluded)).toEqual({ ok: true });
    const { json } = await plan({ kbDir: dir, documentId: 'eu-gdpr', json: true });
    expect(json.counts).toMatchObject({ recital: 173, chapter: 11, section: 15, article: 99 });
  });
});
