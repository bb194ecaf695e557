import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { remoteFile, remoteLog, tempGitRepos, testGit, type TempGitRepos } from '../../support/gitRepos.js';

const CHILD = fileURLToPath(new URL('./fixtures/uploadChild.ts', import.meta.url));
const DOC = 'knowledge/dev/laws/us-const/v8f4687f71119c2dc-automation-cut-20261120/02-mark-20261120.md';

/** Runs the child upload under a failpoint; resolves with the signal that ended it (or null). */
function runChild(args: string[], failpoint: string): Promise<{ signal: NodeJS.Signals | null; stdout: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', CHILD, ...args],
      { env: { PATH: process.env['PATH'] ?? '', ORCHESTRATE_FAILPOINT: failpoint } },
      (error, stdout) => resolve({ signal: (error as { signal?: NodeJS.Signals } | null)?.signal ?? null, stdout }),
    );
  });
}

let repos: TempGitRepos;
beforeEach(async () => {
  repos = await tempGitRepos();
});
afterEach(async () => {
  await repos.cleanup();
});

describe('a process killed at a KB failpoint is completed by the re-run', () => {
  test.each(['mark/kb.commit.before', 'mark/kb.commit.after', 'mark/kb.push.before', 'kb.push.after'])(
    '%s',
    async (failpoint) => {
      const remote = await repos.bareRemote();
      const dir = path.join(repos.root, 'kb');
      const killed = await runChild([dir, remote, repos.root, DOC, 'mark report\n', 'mark'], failpoint);
      expect(killed.signal).toBe('SIGKILL');
      expect(await readFile(path.join(dir, DOC), 'utf8')).toBe('mark report\n');
      const pushedBeforeCrash = (await remoteFile(remote, DOC)) !== undefined;
      expect(pushedBeforeCrash).toBe(failpoint === 'kb.push.after');

      const kb = await repos.kb('kb', { remote });
      const committedBefore = await kb.headCommit();
      const result = await kb.upload(DOC, 'mark report\n', 'mark: re-run', { scope: 'mark' });
      if (failpoint !== 'mark/kb.commit.before') expect(result.commit).toBe(committedBefore);
      expect(await remoteFile(remote, DOC)).toBe('mark report\n');
      expect(await remoteLog(remote, DOC)).toEqual([result.commit]);
      expect(await kb.revisions(DOC)).toBe(1);
      expect((await testGit(dir).raw(['status', '--porcelain'])).trim()).toBe('');
    },
  );

  test('without a failpoint the child completes and prints its result', async () => {
    const remote = await repos.bareRemote();
    const dir = path.join(repos.root, 'kb');
    const done = await runChild([dir, remote, repos.root, DOC, 'x\n', 'mark'], 'some/other.point');
    expect(done.signal).toBeNull();
    expect(JSON.parse(done.stdout)).toMatchObject({ path: DOC, bytes: 2 });
  });
});
