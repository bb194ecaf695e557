import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { runCli, type CliIO } from '../../../src/cli/program.js';
import { packageRoot } from '../../../src/packageRoot.js';
import { STOP_REPORT_KEYS } from '../../../src/stops/stopReport.js';
import { createTestDatabase, type TestDatabase } from '../../support/realPg.js';

const run = promisify(execFile);
const bin = path.join(packageRoot(), 'dist', 'src', 'cli.js');

function capture(cwd: string, env: NodeJS.ProcessEnv = {}): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (s) => out.push(s), stderr: (s) => err.push(s), env: { PATH: process.env['PATH'], ...env }, cwd };
}

let ws: string;
beforeAll(async () => {
  ws = await mkdtemp(path.join(os.tmpdir(), 'orchestrate-cli-'));
});
afterAll(async () => {
  await rm(ws, { recursive: true, force: true });
});

describe('orchestrate CLI foundation', () => {
  test('the compiled binary lists its commands on --help', async () => {
    expect(existsSync(bin), 'npm test builds dist/ first').toBe(true);
    const { stdout } = await run(process.execPath, [bin, '--help']);
    for (const c of ['db', 'failpoints']) expect(stdout).toMatch(new RegExp(`^\\s+${c}\\b`, 'm'));
    const db = await run(process.execPath, [bin, 'db', '--help']);
    expect(db.stdout).toMatch(/migrate/);
    expect(db.stdout).toMatch(/verify/);
  });

  test('db migrate --json on the embedded default creates PGlite in the workspace and reports what it applied', async () => {
    const io = capture(ws);
    expect(await runCli(['db', 'migrate', '--json'], io)).toBe(0);
    const first = JSON.parse(io.out.join('')) as { ok: boolean; engine: string; applied: { id: string; sha256: string }[] };
    expect(first.ok).toBe(true);
    expect(first.engine).toBe('pglite');
    expect(first.applied.map((m) => m.id)).toContain('003_iu');
    expect(existsSync(path.join(ws, '.orchestrate', 'pglite', 'PG_VERSION'))).toBe(true);
    const again = capture(ws);
    expect(await runCli(['db', 'migrate', '--json'], again)).toBe(0);
    expect((JSON.parse(again.out.join('')) as { applied: unknown[] }).applied).toEqual([]);
  });

  test('an unreachable DATABASE_URL with a password exits 20 with STOP_DB and the password appears nowhere', async () => {
    const password = 'Sup3r-S3cret_pw';
    const { stdout, stderr, code } = await run(process.execPath, [bin, 'db', 'migrate', '--json'], {
      cwd: ws,
      env: { PATH: process.env['PATH'], DATABASE_URL: `postgres://auditor:${password}@127.0.0.1:1/governed` },
    }).then(
      (r) => ({ ...r, code: 0 }),
      (e: { stdout: string; stderr: string; code: number }) => e,
    );
    expect(code).toBe(20);
    const parsed = JSON.parse(stdout) as { code: string; message: string };
    expect(parsed.code).toBe('STOP_DB');
    expect(parsed.message).toContain('postgres://auditor:***@127.0.0.1:1/governed');
    expect(Object.keys(parsed)).toEqual([...STOP_REPORT_KEYS]);
    expect(parsed).toMatchObject({ ok: false, exit_code: 20, runbook: 'runbooks/README.md#stop_db', next: expect.stringMatching(/DATABASE_URL/) });
    expect(stdout + stderr).not.toContain(password);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  test('invalid configuration exits 2 with a path: message list and no stack trace', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'orchestrate-badcfg-'));
    try {
      await writeFile(path.join(dir, 'orchestrate.yaml'), 'database:\n  url: 12\nkb:\n  retry_min_ms: -5\nunknown_key: 1\n');
      const io = capture(dir);
      expect(await runCli(['db', 'migrate'], io)).toBe(2);
      const err = io.err.join('');
      expect(err).toContain('STOP_INPUT');
      expect(err).toContain('orchestrate.yaml');
      expect(err).toMatch(/database\.url: /);
      expect(err).toMatch(/kb\.retry_min_ms: /);
      expect(err).toMatch(/unknown_key|\(root\)/);
      expect(err).not.toMatch(/\n\s+at /);
      const asJson = capture(dir);
      expect(await runCli(['db', 'migrate', '--json'], asJson)).toBe(2);
      const parsed = JSON.parse(asJson.out.join('')) as Record<string, unknown> & { issues: { path: string }[] };
      expect(Object.keys(parsed)).toEqual([...STOP_REPORT_KEYS]);
      expect(parsed).toMatchObject({ ok: false, code: 'STOP_INPUT', exit_code: 2, runbook: 'runbooks/README.md#stop_input' });
      expect(parsed.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['database.url', 'kb.retry_min_ms']));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('an unknown command is a usage error (exit 2)', async () => {
    const io = capture(ws);
    expect(await runCli(['no-such-command'], io)).toBe(2);
    expect(io.err.join('')).toMatch(/unknown command/);
  });
});

describe.skipIf(!inject('realPgAvailable'))('orchestrate db migrate on real PostgreSQL', () => {
  let testDb: TestDatabase;
  beforeAll(async () => {
    testDb = await createTestDatabase();
  });
  afterAll(async () => {
    await testDb.drop();
  });

  test('two concurrent migrators serialize on the advisory lock: one applies, the other finds nothing to do', async () => {
    const env = { PATH: process.env['PATH'], DATABASE_URL: testDb.url };
    const [a, b] = await Promise.all([
      run(process.execPath, [bin, 'db', 'migrate', '--json'], { cwd: ws, env }),
      run(process.execPath, [bin, 'db', 'migrate', '--json'], { cwd: ws, env }),
    ]);
    const applied = [a, b].map((r) => (JSON.parse(r.stdout) as { applied: unknown[] }).applied.length).sort();
    expect(applied[0]).toBe(0);
    expect(applied[1]).toBeGreaterThanOrEqual(6);
    const verify = await run(process.execPath, [bin, 'db', 'verify', '--json'], { cwd: ws, env });
    expect((JSON.parse(verify.stdout) as { ok: boolean }).ok).toBe(true);
  });
});
