import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { loadConfig, parseConfigText } from '../../../src/config/loadConfig.js';
import { InputError } from '../../../src/errors.js';
import { redactDsn, scrub } from '../../../src/db/redactDsn.js';

let ws: string;
beforeEach(async () => {
  ws = await mkdtemp(path.join(os.tmpdir(), 'orchestrate-config-'));
});
afterEach(async () => {
  await rm(ws, { recursive: true, force: true });
});

describe('loadConfig', () => {
  test('no orchestrate.yaml: every key has its default, paths inside the workspace', async () => {
    const c = await loadConfig({ workspace: ws, env: {} });
    expect(c.databaseUrl).toBeUndefined();
    expect(c.pgliteDir).toBe(path.join(ws, '.orchestrate', 'pglite'));
    expect(c.kbDir).toBe(path.join(ws, 'kb'));
    expect(c.sidecarsDir).toBe(path.join(ws, 'sidecars'));
    expect(c.keyringDir).toBe(path.join(ws, 'keyring'));
    expect(c.backupRecipients).toEqual([]);
    expect(c.kbRetryMinMs).toBe(1000);
    expect(c.writerRole).toBe('orchestrator_writer');
    expect(c.secrets).toEqual([]);
  });

  test('the file sets keys and the environment overrides the file', async () => {
    await writeFile(path.join(ws, 'orchestrate.yaml'), 'kb:\n  dir: my-kb\n  retry_min_ms: 5\nsidecars:\n  dir: /var/sc\nbackup:\n  recipients: [keys/a.asc]\nactor: ops@example\n');
    const c = await loadConfig({ workspace: ws, env: { ORCHESTRATE_KB: 'other-kb', ORCHESTRATE_BACKUP_RECIPIENTS: 'r1.asc, r2.asc', DATABASE_URL: 'postgres://u:p%40ss@h/db' } });
    expect(c.kbDir).toBe(path.join(ws, 'other-kb'));
    expect(c.kbRetryMinMs).toBe(5);
    expect(c.sidecarsDir).toBe('/var/sc');
    expect(c.backupRecipients).toEqual([path.join(ws, 'r1.asc'), path.join(ws, 'r2.asc')]);
    expect(c.actor).toBe('ops@example');
    expect(c.databaseUrl).toBe('postgres://u:p%40ss@h/db');
    expect(c.secrets).toEqual(expect.arrayContaining(['p@ss', 'p%40ss']));
    expect(c.secrets.every((v) => v.includes('p'))).toBe(true);
  });

  test('invalid values are listed as path: message, with the file named', async () => {
    await writeFile(path.join(ws, 'orchestrate.yaml'), 'database:\n  writer_role: "Robert; DROP"\nkb:\n  retry_min_ms: 99999999\nsurprise: true\n');
    const err = await loadConfig({ workspace: ws, env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    const e = err as InputError;
    expect(e.where.file).toBe(path.join(ws, 'orchestrate.yaml'));
    expect(e.issues.map((i) => i.path).sort()).toEqual(['(root)', 'database.writer_role', 'kb.retry_min_ms']);
  });

  test('YAML syntax errors carry the line', () => {
    const r = parseConfigText('kb:\n  dir: [unclosed\n');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0]?.line).toBeGreaterThan(0);
  });

  test('a keyring inside the KB is refused (trusted keys live outside the KB)', async () => {
    const err = await loadConfig({ workspace: ws, env: { ORCHESTRATE_KEYRING: 'kb/keys' } }).catch((e: unknown) => e);
    expect((err as InputError).issues).toEqual([{ path: 'keyring.dir', message: expect.stringContaining('outside the KB') }]);
  });

  test('a bad environment value is reported with its variable name', async () => {
    const err = await loadConfig({ workspace: ws, env: { ORCHESTRATE_KB_RETRY_MIN_MS: 'soon', DATABASE_URL: 'mysql://x' } }).catch((e: unknown) => e);
    expect((err as InputError).issues.map((i) => i.path).sort()).toEqual(['database.url', 'env ORCHESTRATE_KB_RETRY_MIN_MS']);
  });
});

describe('DSN redaction', () => {
  test('redactDsn hides the password, scrub removes raw and encoded forms', () => {
    expect(redactDsn('postgres://u:hunter2@db:5432/x')).toBe('postgres://u:***@db:5432/x');
    expect(redactDsn('not a url')).toBe('(unparseable DSN)');
    expect(scrub('failed for p@ss and p%40ss', ['p@ss'])).toBe('failed for *** and ***');
    expect(redactDsn('postgres://u@db/x?password=hunter2&sslmode=require')).toBe('postgres://u@db/x?password=***&sslmode=require');
  });

  test('a password given as a query parameter is a configured secret too', async () => {
    const c = await loadConfig({ workspace: ws, env: { DATABASE_URL: 'postgres://u@h/db?password=s3cr%21t' } });
    expect(c.secrets).toEqual(expect.arrayContaining(['s3cr!t', 's3cr%21t']));
  });
});
