/**
 * One stop model (issue 8): `cut`, `resume`, `approve` and `verify` print the same JSON shape for
 * a stop or an error (DESIGN §8) — the keys of `STOP_REPORT_KEYS`; a run's stop or pause adds the
 * run's fields around them. Driven through the compiled CLI on a copy of the release-0.1.0
 * workspace fixture, which waits at SG2 (no phase has to run, so the test is quick).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { packageRoot } from '../../../src/packageRoot.js';
import { STOP_REPORT_KEYS } from '../../../src/stops/stopReport.js';

const run = promisify(execFile);
const BIN = path.join(packageRoot(), 'dist', 'src', 'cli.js');
const RUN_ID = '01a241aa-979f-76a4-88ac-3e9799a032d2';
let ws: string;

async function json(args: readonly string[]): Promise<{ code: number; doc: Record<string, unknown> }> {
  const env = { PATH: process.env['PATH'] ?? '', HOME: ws, DATABASE_URL: '', ORCHESTRATE_KB_RETRY_MIN_MS: '0' };
  try {
    const r = await run(process.execPath, [BIN, '-w', ws, ...args, '--json'], { env, cwd: ws, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, doc: JSON.parse(r.stdout) as Record<string, unknown> };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    expect(e.stdout, e.stderr).toBeTruthy();
    return { code: typeof e.code === 'number' ? e.code : -1, doc: JSON.parse(e.stdout ?? '') as Record<string, unknown> };
  }
}

beforeAll(async () => {
  ws = await mkdtemp(path.join(os.tmpdir(), 'stop-shape-'));
  await run('tar', ['xzf', path.join(packageRoot(), 'test', 'fixtures', 'releases', 'v0.1.0-awaiting-sg2.tgz'), '-C', ws]);
});
afterAll(async () => {
  await rm(ws, { recursive: true, force: true });
});

describe('one JSON shape for every stop and error', () => {
  test('cut, resume, approve and verify: the same stop keys; a run stop adds only run fields', async () => {
    const stopKeys = [...STOP_REPORT_KEYS].sort();
    const cases = {
      'cut (unfinished run exists)': await json(['cut', '--document-id', 'sample-ora']),
      'resume (paused at SG2)': await json(['resume', '--run-id', RUN_ID]),
      'resume (unknown run)': await json(['resume', '--run-id', '01900000-0000-7000-8000-000000000000']),
      'approve (bad gate)': await json(['approve', '--run-id', RUN_ID, '--gate', 'SG3', '--key', 'sovereign/fixture-sovereign.sec.asc']),
      'approve (no terminal, no --yes)': await json(['approve', '--run-id', RUN_ID, '--gate', 'SG2', '--key', 'sovereign/fixture-sovereign.sec.asc']),
      'verify (unknown run)': await json(['verify', '--run-id', '01900000-0000-7000-8000-000000000000']),
    };
    expect(cases['cut (unfinished run exists)']).toMatchObject({ code: 20, doc: { ok: false, code: 'STOP_REPLAY_CONFLICT', exit_code: 20 } });
    expect(cases['resume (paused at SG2)']).toMatchObject({ code: 10, doc: { ok: false, code: 'AWAITING_SG2', exit_code: 10, run_id: RUN_ID, step: 'SG2', state: 'awaiting_sg2' } });
    for (const name of ['resume (unknown run)', 'approve (bad gate)', 'approve (no terminal, no --yes)', 'verify (unknown run)'] as const) {
      expect(cases[name], name).toMatchObject({ code: 2, doc: { ok: false, code: 'STOP_INPUT', exit_code: 2 } });
    }
    expect(String(cases['approve (no terminal, no --yes)'].doc['next'])).toContain('--yes');
    for (const [name, { doc }] of Object.entries(cases)) {
      const keys = Object.keys(doc);
      expect(keys.filter((k) => (STOP_REPORT_KEYS as readonly string[]).includes(k)).sort(), name).toEqual(stopKeys);
      expect(String(doc['runbook']), name).toMatch(/^runbooks\/README\.md#[a-z0-9_-]+$/);
    }
    const runFields = Object.keys(cases['resume (paused at SG2)'].doc).filter((k) => !(STOP_REPORT_KEYS as readonly string[]).includes(k)).sort();
    expect(runFields).toEqual(['document_id', 'kb_folder', 'keys', 'pins', 'replayed_from', 'state']);
    for (const name of ['resume (unknown run)', 'approve (bad gate)', 'approve (no terminal, no --yes)', 'verify (unknown run)'] as const) {
      expect(Object.keys(cases[name].doc).sort(), name).toEqual(stopKeys);
    }
    // the runs-index's compact run id (no hyphens) names the same run
    expect(await json(['resume', '--run-id', RUN_ID.replaceAll('-', '').toUpperCase()])).toMatchObject({ code: 10, doc: { code: 'AWAITING_SG2', run_id: RUN_ID } });
    // resume re-read the approvals and recorded its snapshot (now schema 2); the run still waits at SG2
    expect(JSON.parse(await readFile(path.join(ws, 'sidecars', `${RUN_ID}.json`), 'utf8'))).toMatchObject({ schema_version: 2, snapshot: { value: { SG2: 'awaiting' } } });
  });
});
