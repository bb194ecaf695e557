import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { listSidecars } from '../../../src/sidecar/listSidecars.js';
import { parseSidecar } from '../../../src/sidecar/parseSidecar.js';
import type { Sidecar } from '../../../src/sidecar/runContextSchema.js';
import { writeSidecar } from '../../../src/sidecar/writeSidecar.js';
import { completeRunContext, freshRunContext } from '../../unit/sidecar/sampleRunContext.js';
import { FIXTURE_TEXTS, SAMPLE_STATUTE } from '../../support/corpus.js';
import { spawnFixture, waitForOutput } from './childProcess.js';

/**
 * A large statute-like text (~360 KB, the size of the GDPR, with multi-byte characters) built from
 * this repository's fixture statutes, written to `file`.
 */
async function writeBigText(file: string): Promise<void> {
  const piece = `${await readFile(SAMPLE_STATUTE.source, 'utf8')}\n${await readFile(FIXTURE_TEXTS.modelArchivesAct, 'utf8')}\n‘Données’ — naïve § 3 — “quoted” 😀\n`;
  const parts: string[] = [];
  for (let n = 0; n < 360_000; n += Buffer.byteLength(piece)) parts.push(piece);
  await writeFile(file, parts.join(''));
}

let dir: string;
let work: string;
beforeEach(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'sidecar-crash-'));
  dir = path.join(work, 'sidecars');
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Writes the old version in-process and hands the new one to a child through a JSON file. */
async function prepare(): Promise<{ oldText: string; next: Sidecar; nextFile: string; file: string }> {
  const old = freshRunContext();
  const file = await writeSidecar(dir, old);
  const oldText = await readFile(file, 'utf8');
  const next: Sidecar = { ...completeRunContext(old.run_id), updated_at: '2026-05-20T12:00:00.000Z' };
  const nextFile = path.join(work, 'next.json');
  await writeFile(nextFile, JSON.stringify(next));
  return { oldText, next, nextFile, file };
}

describe('sidecar write killed by a failpoint (real child process)', () => {
  test('killed at sidecar.write.before: the old file is intact', async () => {
    const { oldText, nextFile, file } = await prepare();
    const child = spawnFixture(['write', dir, nextFile, 'mark'], { ORCHESTRATE_FAILPOINT: 'sidecar.write.before' });
    expect(await child.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(child.stdout()).not.toContain('WRITTEN');
    expect(await readFile(file, 'utf8')).toBe(oldText);
  });

  test('killed at sidecar.write.after: the new file is complete', async () => {
    const { next, nextFile, file } = await prepare();
    const child = spawnFixture(['write', dir, nextFile, 'mark'], { ORCHESTRATE_FAILPOINT: 'sidecar.write.after' });
    expect((await child.exited).signal).toBe('SIGKILL');
    const parsed = parseSidecar(await readFile(file, 'utf8'));
    expect(parsed).toMatchObject({ ok: true, value: next });
  });

  test('a scoped failpoint fires only in its scope', async () => {
    const { next, nextFile, file } = await prepare();
    const other = spawnFixture(['write', dir, nextFile, 'cutplan'], { ORCHESTRATE_FAILPOINT: 'mark/sidecar.write.before' });
    expect(await other.exited).toEqual({ code: 0, signal: null });
    expect(other.stdout()).toContain('WRITTEN');
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(next);
    const scoped = spawnFixture(['write', dir, nextFile, 'mark'], { ORCHESTRATE_FAILPOINT: 'mark/sidecar.write.before' });
    expect((await scoped.exited).signal).toBe('SIGKILL');
  });

  test('SIGKILL at random moments during a loop of large writes never leaves a torn file', async () => {
    const bigPath = path.join(work, 'big.txt');
    await writeBigText(bigPath);
    const big = await readFile(bigPath, 'utf8');
    const rounds = 6;
    const seen: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const { nextFile, file, oldText } = await prepare();
      const child = spawnFixture(['loop', dir, nextFile, bigPath]);
      await waitForOutput(child, '1\n');
      // random moment: 0–150 ms into the loop of ~360 KB writes
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 150)));
      child.proc.kill('SIGKILL');
      expect((await child.exited).signal).toBe('SIGKILL');
      const text = await readFile(file, 'utf8');
      const parsed = parseSidecar(text);
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) return;
      if (text === oldText) continue;
      const stop = parsed.view.stop;
      expect(stop?.message).toBe(big);
      const snapshot = { counter: Number(stop?.facts['next']) };
      expect(stop?.facts['runbook']).toBe(String(snapshot.counter));
      const printed = child.stdout().trim().split('\n').map(Number);
      const lastPrinted = printed[printed.length - 1] ?? 0;
      // the file is the last acknowledged write or the one in flight when killed
      expect([lastPrinted, lastPrinted + 1]).toContain(snapshot.counter);
      seen.push(snapshot.counter);
      // a killed writer may leave its temp file (`<run_id>.json.<n>`): it never counts as a sidecar
      expect((await readdir(dir)).filter((n) => n.endsWith('.json'))).toEqual([path.basename(file)]);
      const listing = await listSidecars(dir);
      expect(listing.unreadable).toEqual([]);
      expect(listing.runs).toHaveLength(1);
      await rm(dir, { recursive: true, force: true });
    }
    expect(seen).toHaveLength(rounds);
  });
});
