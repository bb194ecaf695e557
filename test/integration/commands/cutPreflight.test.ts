/**
 * The `cut` preflight (issue 12): a bad setup stops `cut` with STOP_INPUT naming every problem and
 * its fix, and creates nothing — no sidecar, no KB commit, no run folder; a KB without `.git` is
 * never re-created by `cut` (only `init` creates). On the embedded default (the checks do not
 * depend on the engine).
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { approve } from '../../../src/commands/approve.js';
import { cut } from '../../../src/commands/cut.js';
import { documentAdd } from '../../../src/commands/documentAdd.js';
import { resume } from '../../../src/commands/resume.js';
import { runs } from '../../../src/commands/runs.js';
import { status } from '../../../src/commands/status.js';
import { voidRun } from '../../../src/commands/void.js';
import { loadConfig } from '../../../src/config/loadConfig.js';
import { InputError } from '../../../src/errors.js';
import { openKb } from '../../../src/kb/openKb.js';
import { makeCutWorkspace, recordingProgress, type CutWorkspace } from '../../support/cutWorkspace.js';
import { makeTempDir } from '../../support/sovereignKeys.js';
import { SAMPLE_STATUTE } from '../../support/corpus.js';
import { commitKbFile, runCli } from '../../support/stopHelpers.js';

const LAW = 'sample-ora';
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function workspace(): Promise<CutWorkspace> {
  const ws = await makeCutWorkspace({ laws: [LAW] });
  dirs.push(ws.dir);
  return ws;
}

/** What a cut may have created: sidecar files, KB commits, run folders. */
async function effects(ws: CutWorkspace): Promise<{ sidecars: string[]; head: string | undefined; folders: string[] }> {
  const kb = await openKb({ dir: ws.config.kbDir });
  const lawDir = path.join(ws.config.kbDir, 'knowledge', 'dev', 'laws', LAW);
  return {
    sidecars: (await readdir(ws.config.sidecarsDir)).filter((f) => !f.endsWith('.lock')),
    head: await kb.headCommit(),
    folders: (await readdir(lawDir)).filter((f) => f.startsWith('v')),
  };
}

describe('cut preflight', () => {
  test('no backup recipient and an empty keyring: STOP_INPUT (exit 2) listing both with their fix, nothing created', async () => {
    const ws = await workspace();
    await writeFile(path.join(ws.dir, 'orchestrate.yaml'), 'kb:\n  retry_min_ms: 0\nactor: tester@ci\n');
    await rm(path.join(ws.config.keyringDir, 'sovereign.pub.asc'));
    const before = await effects(ws);

    const r = await runCli(ws, ['cut', '--document-id', LAW, '--json']);
    expect(r.code, r.stderr).toBe(2);
    const out = JSON.parse(r.stdout) as { code: string; message: string; issues: { path: string; message: string }[]; next: string };
    expect(out.code).toBe('STOP_INPUT');
    expect(out.message).toMatch(/nothing was created/);
    expect(out.issues.map((i) => i.path)).toEqual(['backup.recipients', 'keyring.dir']);
    expect(out.issues[0]?.message).toMatch(/fix: set backup\.recipients/);
    expect(out.next).toMatch(/backup\.recipients/);
    expect(await effects(ws)).toEqual(before);
  });

  test('a KB whose .git was removed: STOP_INPUT naming `orchestrate init`; .git is not re-created', async () => {
    const ws = await workspace();
    await rm(path.join(ws.config.kbDir, '.git'), { recursive: true, force: true });
    const error = await cut({ config: ws.config, documentId: LAW, progress: recordingProgress() }).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toMatch(/has no \.git/);
    expect((error as InputError).next).toMatch(/orchestrate init/);
    expect(existsSync(path.join(ws.config.kbDir, '.git'))).toBe(false);
    expect((await readdir(ws.config.sidecarsDir)).filter((f) => f.endsWith('.json'))).toEqual([]);
  });

  test('a backup recipient file that is missing is refused before the run, naming the file', async () => {
    const ws = await workspace();
    const config = { ...ws.config, backupRecipients: [path.join(ws.config.keyringDir, 'missing.asc')] };
    const before = await effects(ws);
    const error = await cut({ config, documentId: LAW, progress: recordingProgress() }).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).issues.map((i) => i.path)).toEqual(['backup.recipients']);
    expect((error as InputError).issues[0]?.message).toMatch(/missing\.asc cannot be read/);
    expect(await effects(ws)).toEqual(before);
  });
});

describe('a vocabulary pattern that can hang the cut (issue 10)', () => {
  const hanging = "  - pattern: '^(a+)+$'\n    extent: line\n    reason: editorial\n";
  const withHangingExclusion = (vocab: string): string => vocab.replace('excluded:\n', () => `excluded:\n${hanging}`);

  test('document add refuses it with file, line and field before reading the text', async () => {
    const ws = await workspace();
    const vocabFile = path.join(ws.dir, 'hanging-vocab.yaml');
    const vocab = withHangingExclusion(await readFile(SAMPLE_STATUTE.vocab, 'utf8'));
    await writeFile(vocabFile, vocab);
    // A line on which the pattern backtracks without end (40 a and a !), were it ever matched.
    const source = path.join(ws.dir, 'hanging-source.txt');
    await writeFile(source, (await readFile(SAMPLE_STATUTE.source, 'utf8')).replace('CHAPTER I\n', `CHAPTER I\n\n${'a'.repeat(40)}!\n`));
    const kb = await openKb({ dir: ws.config.kbDir });
    const head = await kb.headCommit();
    const error = await documentAdd({ cwd: ws.dir, kbDir: ws.config.kbDir, lawId: 'hang', docPrefix: 'HANG', title: 'Hanging', source, vocab: vocabFile, kb }).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toContain('excluded.0.pattern: pattern can hang the cut: super-linear backtracking (exponential)');
    expect((error as InputError).where).toMatchObject({ file: vocabFile, line: vocab.split('\n').indexOf("  - pattern: '^(a+)+$'") + 1 });
    expect(await kb.headCommit()).toBe(head);
  });

  test('cut of a document whose committed vocabulary has it: STOP_INPUT (exit 2) from the preflight, nothing created, the process exits', async () => {
    const ws = await workspace();
    const rel = `knowledge/dev/laws/${LAW}/vocab.yaml`;
    await commitKbFile(ws, rel, withHangingExclusion(await readFile(path.join(ws.config.kbDir, rel), 'utf8')), 'vocabulary: an exclusion that backtracks');
    const before = await effects(ws);
    const r = await runCli(ws, ['cut', '--document-id', LAW, '--json']);
    expect(r.code, r.stderr).toBe(2);
    const out = JSON.parse(r.stdout) as { code: string; message: string };
    expect(out.code).toBe('STOP_INPUT');
    expect(out.message).toMatch(/excluded\.0\.pattern: pattern can hang the cut/);
    expect(out.message).toContain(rel);
    expect(await effects(ws)).toEqual(before);
  });
});

describe('only init creates a workspace', () => {
  test('status, runs, resume, approve and void on a missing workspace: STOP_INPUT naming init; nothing is created', async () => {
    const parent = await makeTempDir('orchestrate-missing-');
    dirs.push(parent);
    const missing = path.join(parent, 'no-such-workspace');
    const config = await loadConfig({ workspace: missing, env: {} });
    const runId = '01900000-0000-7000-8000-000000000000';
    const attempts: [string, () => Promise<unknown>][] = [
      ['status', () => status({ config })],
      ['runs', () => runs({ config })],
      ['resume', () => resume({ config, runId, progress: recordingProgress() })],
      ['approve', () => approve({ config, cwd: parent, runId, gate: 'SG1', keyFile: 'none.sec.asc' })],
      ['void', () => voidRun({ config, cwd: parent, runId, keyFile: 'none.sec.asc', reason: 'test' })],
    ];
    for (const [name, attempt] of attempts) {
      const error = await attempt().then(() => null, (e: unknown) => e);
      expect(error, name).toBeInstanceOf(InputError);
      expect((error as InputError).message, name).toMatch(/KB work tree is missing/);
      expect((error as InputError).next, name).toMatch(/orchestrate init/);
    }
    expect(existsSync(missing)).toBe(false);
  });
});

