/**
 * Runs made by earlier releases keep working under this one (DESIGN §11; issue 8): each fixture in
 * `test/fixtures/releases/` is a whole workspace (embedded PGlite, KB git repository, sidecars,
 * keyring and a throwaway sovereign key) left by that release's real CLI at a gate. The compiled
 * CLI of this release reads its sidecar (schema 1, migrated on read), shows it, approves it,
 * resumes it to completion and verifies it.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, test } from 'vitest';
import { packageRoot } from '../../../src/packageRoot.js';

const run = promisify(execFile);
const BIN = path.join(packageRoot(), 'dist', 'src', 'cli.js');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(ws: string, args: readonly string[]): Promise<Result> {
  const env = { PATH: process.env['PATH'] ?? '', HOME: ws, DATABASE_URL: '', ORCHESTRATE_KB_RETRY_MIN_MS: '0', NO_COLOR: '1' };
  try {
    const r = await run(process.execPath, [BIN, '-w', ws, ...args], { env, cwd: ws, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
  }
}

let dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  dirs = [];
});

describe('release 0.1.0 (sidecar schema 1)', () => {
  test('a run paused at SG2 by release 0.1.0 is shown, approved, resumed to done and verified', async () => {
    const ws = await mkdtemp(path.join(os.tmpdir(), 'release-0.1.0-'));
    dirs.push(ws);
    await run('tar', ['xzf', path.join(packageRoot(), 'test', 'fixtures', 'releases', 'v0.1.0-awaiting-sg2.tgz'), '-C', ws]);
    const runId = '01a241aa-979f-76a4-88ac-3e9799a032d2';
    const sidecarFile = path.join(ws, 'sidecars', `${runId}.json`);
    expect(JSON.parse(await readFile(sidecarFile, 'utf8'))).toMatchObject({ schema_version: 1, state: 'awaiting_sg2' });

    const status = await cli(ws, ['status', '--run-id', runId, '--json']);
    expect(status.code, status.stderr).toBe(0);
    const shown = JSON.parse(status.stdout) as { state: string; waiting: string | null; stop: { code: string; at: string } };
    expect(shown.state).toBe('awaiting_sg2');
    expect(shown.stop).toMatchObject({ code: 'AWAITING_SG2', at: '2026-12-04T15:28:01.840Z' });

    const approved = await cli(ws, ['approve', '--run-id', runId, '--gate', 'SG2', '--key', 'sovereign/fixture-sovereign.sec.asc', '--yes', '--json']);
    expect(approved.code, approved.stderr + approved.stdout).toBe(0);
    const resumed = await cli(ws, ['resume', '--run-id', runId, '--json']);
    expect(resumed.code, resumed.stderr + resumed.stdout).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ run_id: runId, state: 'done' });

    const rewritten = JSON.parse(await readFile(sidecarFile, 'utf8')) as { schema_version: number; snapshot: { status: string; context: { completed: string[] } } };
    expect(rewritten.schema_version).toBe(2);
    expect(rewritten.snapshot.status).toBe('done');
    expect(rewritten.snapshot.context.completed).toHaveLength(13);

    const verified = await cli(ws, ['verify', '--run-id', runId]);
    expect(verified.code, verified.stdout).toBe(0);
    expect(verified.stdout).toContain('every check passed');
  });
});
