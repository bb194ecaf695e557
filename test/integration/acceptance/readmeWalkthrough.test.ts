import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { packageRoot } from '../../../src/packageRoot.js';
import { makeTempDir } from '../../support/sovereignKeys.js';

const run = promisify(execFile);

/** The shell block that follows the `<!-- walkthrough -->` marker in README.md, as written. */
async function walkthroughBlock(): Promise<string> {
  const readme = await readFile(path.join(packageRoot(), 'README.md'), 'utf8');
  const m = /<!-- walkthrough -->\n```sh\n([\s\S]*?)\n```/.exec(readme);
  if (m === null) throw new Error('README.md has no <!-- walkthrough --> block');
  return m[1] as string;
}

// Issue 12: the README's walkthrough works verbatim from the clone (dist/ built by npm test, as npm
// ci builds it): workspace and keys under a temporary HOME, a bare KB remote, the embedded database.
test('the README walkthrough runs as written: a governed cut to done, verified, every KB commit pushed', async () => {
  const home = await makeTempDir('orchestrate-readme-');
  const block = await walkthroughBlock();
  // Each command's exit status is recorded after it runs (the block itself is not changed).
  const script = `set -u\n${block}\necho "walkthrough-exit $?"\n`;
  const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, GIT_CONFIG_NOSYSTEM: '1' };
  const r = await run('bash', ['-c', script], { cwd: packageRoot(), env, maxBuffer: 32 * 1024 * 1024 }).catch((e: { stdout: string; stderr: string; code: number }) => e);
  const out = `${r.stdout}\n${r.stderr}`;
  expect(r.stdout, out).toMatch(/walkthrough-exit 0\n$/);
  expect(r.stdout).toMatch(/^done: /m);
  // both verifies (with the sidecar and database; from the KB and keyring alone) pass
  expect(r.stdout.match(/^every check passed$/gm), out).toHaveLength(2);
  expect(r.stdout).toMatch(/^paused AWAITING_SG2/m);
  const remote = path.join(home, 'cuts', 'kb-remote.git');
  const local = path.join(home, 'cuts', 'ws', 'kb');
  const head = async (dir: string): Promise<string> => (await run('git', ['-C', dir, 'rev-parse', 'main'], { env })).stdout.trim();
  expect(await head(remote)).toBe(await head(local));
  const files = (await run('git', ['-C', remote, 'ls-tree', '-r', '--name-only', 'main'], { env })).stdout.split('\n');
  expect(files.filter((f) => f.includes('automation-cut-')).length).toBe(15);
});
