/**
 * Issue 13: a push that loses a race (another host pushed first, non-fast-forward) is rebased and
 * pushed again without spending the fault retries of DESIGN §3, and the commit id the store
 * returns is the one that reached the remote. The race is made deterministic by a pre-push hook
 * that, once, lets a second clone push first.
 */
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { remoteLog, remoteFile, tempGitRepos, type TempGitRepos } from '../../support/gitRepos.js';

let repos: TempGitRepos;
beforeEach(async () => {
  repos = await tempGitRepos('push-race-');
});
afterEach(async () => {
  await repos.cleanup();
});

/** Makes `dir`'s next push lose one race: the hook first commits and pushes from `other`. */
async function loseNextPush(dir: string, other: string, mark: string): Promise<void> {
  const hook = path.join(dir, '.git', 'hooks', 'pre-push');
  await writeFile(hook, [
    '#!/bin/sh',
    'unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE',
    `if [ ! -e '${mark}' ]; then`,
    `  touch '${mark}'`,
    `  git -C '${other}' -c user.name=Other -c user.email=other@example.org commit -q --allow-empty -m 'another host was first' || exit 1`,
    `  git -C '${other}' push -q origin HEAD:main || exit 1`,
    'fi',
    'exit 0',
    '',
  ].join('\n'));
  await chmod(hook, 0o755);
}

describe('a lost push race is not a fault', () => {
  test('upload and update with no fault retries left still land after another host pushed first; the recorded commits are the remote\'s', async () => {
    const remote = await repos.bareRemote();
    let failedAttempts = 0;
    const a = await repos.kb('host-a', { remote, retry: { retries: 0, onFailedAttempt: () => { failedAttempts++; } } });
    await a.upload('knowledge/dev/laws/x/first.md', 'first\n', 'first');
    const b = await repos.kb('host-b', { remote });
    await b.sync();

    await loseNextPush(a.dir, b.dir, path.join(repos.root, 'raced-upload'));
    const up = await a.upload('knowledge/dev/laws/x/second.md', 'second\n', 'second');
    expect(failedAttempts).toBe(0);
    expect(await remoteFile(remote, 'knowledge/dev/laws/x/second.md')).toBe('second\n');
    expect(await remoteLog(remote, 'knowledge/dev/laws/x/second.md')).toEqual([up.commit]);
    expect((await remoteLog(remote)).length).toBe(3);

    await b.sync();
    await loseNextPush(a.dir, b.dir, path.join(repos.root, 'raced-update'));
    const updated = await a.update('knowledge/dev/laws/_index.md', (current) => `${current ?? ''}- line\n`, 'index');
    expect(failedAttempts).toBe(0);
    expect(await remoteFile(remote, 'knowledge/dev/laws/_index.md')).toBe('- line\n');
    expect(await remoteLog(remote, 'knowledge/dev/laws/_index.md')).toEqual([updated.commit]);
  });
});
