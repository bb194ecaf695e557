/**
 * The real law texts (US Constitution, UDHR, GDPR) live OUTSIDE this repository, in
 * `../shared/corpus` beside the repo root (never copied in). Tests that are about a real law read
 * them from here and skip when the corpus is absent: the global setup probes once, prints one
 * line and `provide`s `corpusAvailable`; with `REQUIRE_CORPUS=1` (CI) absence fails the run
 * instead (issue 12). Every other test runs on the fixtures inside the repository
 * (`knowledge/samples/sample-statute`, see {@link SAMPLE_STATUTE}).
 *
 * The one place that knows where the corpus is.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, inject, it } from 'vitest';

/** Repository root, from this file's location. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `../shared/corpus` beside the repository root. */
export const CORPUS_DIR = path.resolve(REPO_ROOT, '..', 'shared', 'corpus');

/** The corpus laws (folders under {@link CORPUS_DIR}). */
export const CORPUS_NAMES = ['us-constitution', 'udhr', 'gdpr'] as const;

/** A corpus law name. */
export type CorpusName = (typeof CORPUS_NAMES)[number];

/** Absolute path of a corpus law's `source.txt` (it may not exist: gate the test on {@link corpusAvailable}). */
export function corpusSourcePath(name: CorpusName): string {
  return path.join(CORPUS_DIR, name, 'source.txt');
}

/** The corpus laws whose `source.txt` is missing (probed on disk: for the global setup). */
export function missingCorpusSources(): CorpusName[] {
  return CORPUS_NAMES.filter((name) => !existsSync(corpusSourcePath(name)));
}

/** True when the global setup found every corpus source (inside test files only). */
export function corpusAvailable(): boolean {
  return inject('corpusAvailable');
}

/** `describe` that skips when the corpus is absent (the global setup printed why). */
export function describeWithCorpus(name: string, fn: () => void): void {
  describe.skipIf(!corpusAvailable())(`${name} [real-law corpus]`, fn);
}

/** `it` that skips when the corpus is absent (the global setup printed why). */
export function itWithCorpus(name: string, fn: () => Promise<void> | void, timeout?: number): void {
  it.skipIf(!corpusAvailable())(`${name} [real-law corpus]`, fn, timeout);
}

/** The sample statute shipped in the repository (written for this project; `npm run demo` cuts it). */
export const SAMPLE_STATUTE = {
  dir: path.join(REPO_ROOT, 'knowledge', 'samples', 'sample-statute'),
  source: path.join(REPO_ROOT, 'knowledge', 'samples', 'sample-statute', 'source.txt'),
  vocab: path.join(REPO_ROOT, 'knowledge', 'samples', 'sample-statute', 'vocab.yaml'),
  lawId: 'sample-ora',
  docPrefix: 'SAMPLE-ORA',
  title: 'Sample Open Records Act',
} as const;

/** Fixture texts written for this repository's tests (test/fixtures/texts, see its README). */
export const FIXTURE_TEXTS = {
  /** A longer statute in the sample statute's layout (56 units with its vocabulary). */
  modelArchivesAct: path.join(REPO_ROOT, 'test', 'fixtures', 'texts', 'model-archives-act.txt'),
  /** A short declaration in the UDHR layout (shipped vocabulary `udhr`: 22 units, 8 articles). */
  readersDeclaration: path.join(REPO_ROOT, 'test', 'fixtures', 'texts', 'readers-declaration.txt'),
} as const;

/** Layout fixtures of issue 10 (test/fixtures/layouts/<name>/source.txt + vocab.yaml). */
export function layoutFixture(name: 'gapped-code' | 'lettered-constitution' | 'two-paragraph-charter' | 'annexed-act'): { source: string; vocab: string } {
  const dir = path.join(REPO_ROOT, 'test', 'fixtures', 'layouts', name);
  return { source: path.join(dir, 'source.txt'), vocab: path.join(dir, 'vocab.yaml') };
}
