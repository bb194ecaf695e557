/**
 * `orchestrate init --backup-recipient FILE` (issue 12): configuration set by a command, not by
 * overwriting orchestrate.yaml — its comments and other keys are kept; a missing key file is
 * refused naming it, and nothing is written.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { CONFIG_TEMPLATE, init } from '../../../src/commands/init.js';
import { loadConfig } from '../../../src/config/loadConfig.js';
import { InputError } from '../../../src/errors.js';
import { rejectionOf } from '../../support/rejection.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

// A memory:// embedded database: these tests are about the configuration file, not the data directory.
const env = { ORCHESTRATE_PGLITE_DIR: 'memory://' };

describe('init --backup-recipient', () => {
  test('sets backup.recipients on a new and on an existing workspace, keeping every comment', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'init-recipient-'));
    dirs.push(root);
    const first = await init({ dir: 'ws', cwd: root, env });
    expect(first.updated).toEqual([]);
    const ws = path.join(root, 'ws');
    await writeFile(path.join(ws, 'keyring', 'ada.pub.asc'), 'not checked here: cut preflight reads the key');
    const second = await init({ dir: 'ws', cwd: root, env, backupRecipients: ['keyring/ada.pub.asc'] });
    expect(second.updated).toEqual(['backup.recipients = [keyring/ada.pub.asc]']);
    expect(second.kept).toContain('orchestrate.yaml');
    const text = await readFile(path.join(ws, 'orchestrate.yaml'), 'utf8');
    expect(text).toContain('recipients: [ keyring/ada.pub.asc ]');
    // every comment line of the template is still there
    for (const line of CONFIG_TEMPLATE.split('\n').filter((l) => l.startsWith('#'))) expect(text).toContain(line);
    expect(text).toContain('# ORCHESTRATE_KEYRING');
    const config = await loadConfig({ workspace: ws, env });
    expect(config.backupRecipients).toEqual([path.join(ws, 'keyring', 'ada.pub.asc')]);
  });

  test('a recipient file that does not exist is refused naming it; orchestrate.yaml is unchanged', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'init-recipient-'));
    dirs.push(root);
    await init({ dir: 'ws', cwd: root, env });
    const file = path.join(root, 'ws', 'orchestrate.yaml');
    const before = await readFile(file, 'utf8');
    const error = await rejectionOf(init({ dir: 'ws', cwd: root, env, backupRecipients: ['keyring/nobody.pub.asc'] }), InputError);
    expect(error.message).toContain('keyring/nobody.pub.asc');
    expect(error.next).toContain('keys generate');
    expect(await readFile(file, 'utf8')).toBe(before);
  });
});
