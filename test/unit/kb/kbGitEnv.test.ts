import os from 'node:os';
import { describe, expect, test } from 'vitest';
import { gitVariableNames, kbGitEnv } from '../../../src/kb/kbGitEnv.js';
import { normaliseKbPath } from '../../../src/kb/kbPath.js';
import { redactCredentials } from '../../../src/kb/redactCredentials.js';

describe('kbGitEnv', () => {
  test('keeps PATH, HOME and the agent socket; drops GIT_*, EDITOR, npm_* and locale', () => {
    const source = {
      PATH: '/usr/bin:/bin',
      HOME: '/home/op',
      SSH_AUTH_SOCK: '/tmp/agent.sock',
      EDITOR: 'vim',
      GIT_DIR: '/elsewhere/.git',
      GIT_SSH_COMMAND: 'ssh -i key',
      npm_lifecycle_event: 'test',
      LANG: 'de_DE.UTF-8',
      DATABASE_URL: 'postgres://u:p@h/d',
    };
    expect(kbGitEnv(source)).toEqual({
      PATH: '/usr/bin:/bin',
      HOME: '/home/op',
      SSH_AUTH_SOCK: '/tmp/agent.sock',
      LANG: 'C',
      LC_ALL: 'C',
      GIT_TERMINAL_PROMPT: '0',
    });
  });

  test('falls back to the OS home and a default PATH; extra variables win', () => {
    const env = kbGitEnv({}, { HOME: '/tmp/h', GIT_TRACE: '0' });
    expect(env['PATH']).toBe('/usr/local/bin:/usr/bin:/bin');
    expect(env['HOME']).toBe('/tmp/h');
    expect(kbGitEnv({})['HOME']).toBe(os.homedir());
    expect(gitVariableNames(env).sort()).toEqual(['GIT_TERMINAL_PROMPT', 'GIT_TRACE']);
  });
});

describe('redactCredentials', () => {
  test('removes user-info from every URL, keeps the rest', () => {
    expect(redactCredentials("fatal: unable to access 'https://deploy:tok3n@git.example.org/kb.git/': refused")).toBe(
      "fatal: unable to access 'https://***@git.example.org/kb.git/': refused",
    );
    expect(redactCredentials('ssh://git@host/x and /local/path')).toBe('ssh://***@host/x and /local/path');
  });
});

describe('normaliseKbPath', () => {
  test('normalises harmless forms', () => {
    expect(normaliseKbPath('./knowledge//dev/laws/')).toBe('knowledge/dev/laws');
    expect(normaliseKbPath('a/b/../c.md')).toBe('a/c.md');
  });
});
