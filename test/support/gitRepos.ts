/**
 * Real git repositories in temp dirs for tests: KB work trees, bare "remotes", a pre-push hook that
 * fails N times, and readers of what landed on a remote. Every repo lives under one temp root that
 * {@link TempGitRepos.cleanup} removes.
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { kbGitEnv, gitVariableNames } from '../../src/kb/kbGitEnv.js';
import { openKb, type OpenKbOptions } from '../../src/kb/openKb.js';
import type { KbStore } from '../../src/kb/KbStore.js';

/**
 * Keeps the developer's own git config (hooksPath, signing, templates) out of test repos: HOME and
 * XDG_CONFIG_HOME point at the temp root, which has no `.gitconfig` (simple-git refuses
 * `GIT_CONFIG_GLOBAL` without an unsafe flag).
 */
export function hermeticGitEnv(root: string): Record<string, string> {
  return { HOME: root, XDG_CONFIG_HOME: path.join(root, '.config') };
}

/** A plain simple-git instance with a hermetic environment, for test-side inspection. */
export function testGit(dir: string, home: string = os.tmpdir()): SimpleGit {
  const env = kbGitEnv(process.env, hermeticGitEnv(home));
  return simpleGit({
    baseDir: dir,
    config: ['user.name=Test Other', 'user.email=other@example.org', 'commit.gpgsign=false'],
    allowEnvironment: gitVariableNames(env),
  }).env(env);
}

/** Factory for temp repos; call {@link TempGitRepos.cleanup} in `afterEach`/`afterAll`. */
export interface TempGitRepos {
  /** The temp root holding every repo. */
  root: string;
  /** A new empty bare repository with `main` as its default branch; returns its path. */
  bareRemote(name?: string): Promise<string>;
  /** Opens a KB work tree in a new folder, hermetic env, retry policy with no waits by default. */
  kb(name: string, options?: Omit<OpenKbOptions, 'dir'>): Promise<KbStore>;
  /** Removes everything. */
  cleanup(): Promise<void>;
}

/** Creates a temp root for a test file's repositories. */
export async function tempGitRepos(prefix = 'kb-test-'): Promise<TempGitRepos> {
  const root = await mkdtemp(path.join(os.tmpdir(), prefix));
  let count = 0;
  return {
    root,
    async bareRemote(name = `remote-${++count}.git`) {
      const dir = path.join(root, name);
      await testGit(root, root).raw(['init', '--bare', '--initial-branch=main', dir]);
      return dir;
    },
    kb(name, options = {}) {
      return openKb({
        dir: path.join(root, name),
        ...options,
        retry: { minTimeout: 0, ...options.retry },
        env: { ...hermeticGitEnv(root), ...options.env },
      });
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/**
 * Installs `.git/hooks/pre-push` in a work tree that fails the next `failures` pushes (counted in
 * `.git/pre-push-count`), then lets pushes through. Returns a reader of how many pushes it saw.
 */
export async function failNextPushes(workTree: string, failures: number): Promise<() => Promise<number>> {
  const counter = path.join(workTree, '.git', 'pre-push-count');
  await writeFile(counter, '0\n');
  const hook = path.join(workTree, '.git', 'hooks', 'pre-push');
  await writeFile(
    hook,
    [
      '#!/bin/sh',
      `n=$(cat "${counter}")`,
      'n=$((n + 1))',
      `echo "$n" > "${counter}"`,
      `if [ "$n" -le ${failures} ]; then echo "pre-push: injected failure $n" >&2; exit 1; fi`,
      'exit 0',
      '',
    ].join('\n'),
  );
  await chmod(hook, 0o755);
  return async () => Number.parseInt((await readFile(counter, 'utf8')).trim(), 10);
}

/** Bytes of `file` on the remote's `main`, or undefined when absent. */
export async function remoteFile(remote: string, file: string): Promise<string | undefined> {
  try {
    return await testGit(remote).raw(['show', `main:${file}`]);
  } catch {
    return undefined;
  }
}

/** Commit hashes on the remote's `main` that touched `file` (all of `main` when omitted). */
export async function remoteLog(remote: string, file?: string): Promise<string[]> {
  const args = ['log', '--format=%H', 'main'];
  if (file !== undefined) args.push('--', file);
  const out = await testGit(remote).raw(args);
  return out.split('\n').filter((line) => line !== '');
}
