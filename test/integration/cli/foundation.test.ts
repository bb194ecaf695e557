import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { runCli, type CliIO } from '../../../src/cli/program.js';
import { readMigrations } from '../../../src/db/migrate.js';
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
    for (const c of ['db', 'cut', 'approve', 'verify']) expect(stdout).toMatch(new RegExp(`^\\s+${c}\\b`, 'm'));
    // the test-only failpoints command is hidden; exit codes and examples are shown
    expect(stdout).not.toMatch(/^\s+failpoints\b/m);
    expect(stdout).toContain('Exit codes:');
    expect(stdout).toMatch(/^\s+10\s+paused at a sovereign gate/m);
    expect(stdout).not.toContain('DESIGN');
    const version = await run(process.execPath, [bin, '--version']);
    expect(version.stdout.trim()).toBe((JSON.parse(await readFile(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version);
    // a usage error under --json is one JSON stop document on stdout
    const usage = await run(process.execPath, [bin, 'cut', '--json']).then(() => ({ stdout: '', code: 0 }), (e: { stdout: string; code: number }) => e);
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stdout)).toMatchObject({ ok: false, code: 'STOP_INPUT', exit_code: 2, next: 'orchestrate cut --help' });
    // every user command's own help has examples and its exit codes (issue 12), in process
    for (const cmd of [['init'], ['cut'], ['resume'], ['approve'], ['status'], ['runs'], ['verify'], ['void'], ['document', 'add'], ['plan'], ['keys', 'generate']]) {
      const io = capture(ws);
      await runCli([...cmd, '--help'], io);
      const help = io.out.join('');
      expect(help, cmd.join(' ')).toMatch(/\nExamples:\n {2}(ORCHESTRATE_KEY_PASSPHRASE=… )?orchestrate /);
      expect(help, cmd.join(' ')).toMatch(/\nExit codes: 0 /);
    }
    const db = await run(process.execPath, [bin, 'db', '--help']);
    expect(db.stdout).toMatch(/migrate/);
    expect(db.stdout).toMatch(/verify/);
  });

  test('db migrate --json on the embedded default creates PGlite in the workspace (a copy of the migrated template) and reports every migration', async () => {
    const io = capture(ws);
    expect(await runCli(['db', 'migrate', '--json'], io)).toBe(0);
    const first = JSON.parse(io.out.join('')) as { ok: boolean; engine: string; applied: { id: string; sha256: string }[]; already_applied: string[] };
    expect(first.ok).toBe(true);
    expect(first.engine).toBe('pglite');
    expect([...first.already_applied, ...first.applied.map((m) => m.id)]).toEqual((await readMigrations()).map((m) => m.id));
    expect(existsSync(path.join(ws, '.orchestrate', 'pglite', 'PG_VERSION'))).toBe(true);
    const again = capture(ws);
    expect(await runCli(['db', 'migrate', '--json'], again)).toBe(0);
    expect((JSON.parse(again.out.join('')) as { applied: unknown[] }).applied).toEqual([]);
  });

  test('init makes the embedded database ready: created from the template, migrated, kept on a second init', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'orchestrate-init-'));
    try {
      const io = capture(dir);
      expect(await runCli(['init', dir, '--json'], io)).toBe(0);
      const r = JSON.parse(io.out.join('')) as { created: string[]; kept: string[] };
      expect(r.created).toContain('.orchestrate/pglite/');
      expect(existsSync(path.join(dir, '.orchestrate', 'pglite', 'PG_VERSION'))).toBe(true);
      const migrated = capture(dir);
      expect(await runCli(['db', 'migrate', '--json'], migrated)).toBe(0);
      const m = JSON.parse(migrated.out.join('')) as { applied: unknown[]; already_applied: string[] };
      expect(m.applied).toEqual([]);
      expect(m.already_applied).toEqual((await readMigrations()).map((x) => x.id));
      const again = capture(dir);
      expect(await runCli(['init', dir, '--json'], again)).toBe(0);
      expect((JSON.parse(again.out.join('')) as { kept: string[] }).kept).toContain('.orchestrate/pglite/');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('init with DATABASE_URL set creates no embedded database', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'orchestrate-init-pg-'));
    try {
      const io = capture(dir, { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
      expect(await runCli(['init', dir, '--json'], io)).toBe(0);
      expect(existsSync(path.join(dir, '.orchestrate'))).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('lazy start: --help, usage errors and failpoints load no driver, crypto, git, machine or validation library', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'orchestrate-lazy-'));
    try {
      const log = path.join(dir, 'loaded.txt');
      const hooks = path.join(dir, 'hooks.mjs');
      await writeFile(hooks, `import { appendFileSync } from 'node:fs';\nexport async function load(url, context, next) {\n  appendFileSync(${JSON.stringify(log)}, url + '\\n');\n  return next(url, context);\n}\n`);
      const register = path.join(dir, 'register.mjs');
      await writeFile(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
      const heavy = ['openpgp', 'pg', '@electric-sql/pglite', 'simple-git', 'xstate', 'zod', 'yaml'];
      for (const args of [['--help'], ['db', '--help'], ['failpoints'], ['failpoints', '--json'], ['no-such-command']]) {
        await writeFile(log, '');
        await run(process.execPath, ['--import', pathToFileURL(register).href, bin, ...args], { cwd: dir, env: { PATH: process.env['PATH'] } }).catch((e: { code?: number }) => {
          if (e.code !== 2) throw e;
        });
        const loaded = (await readFile(log, 'utf8')).split('\n').filter((u) => u !== '');
        expect(loaded.some((u) => u.endsWith('/dist/src/cli.js')), `the hook saw ${args.join(' ')} run`).toBe(true);
        const packages = loaded.map((u) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1]).filter((p) => p !== undefined);
        expect(packages.filter((p) => heavy.includes(p)), args.join(' ')).toEqual([]);
      }
      // The hook does see packages: a command that reads the configuration loads its validator
      // (status then refuses the empty directory, exit 2: only init creates a workspace).
      await writeFile(log, '');
      const refused = await run(process.execPath, ['--import', pathToFileURL(register).href, bin, 'status'], { cwd: dir, env: { PATH: process.env['PATH'] } }).then(() => 0, (e: { code?: number }) => e.code);
      expect(refused).toBe(2);
      expect(await readFile(log, 'utf8')).toMatch(/\/node_modules\/zod\//);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
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
