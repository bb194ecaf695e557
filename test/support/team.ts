/**
 * A team of "hosts" for multi-host and crash tests (issue 13): workspaces with their own sidecars
 * and KB clone, one bare KB remote, and — on real PostgreSQL — one shared database, the run
 * registry (DESIGN §9). The hosts run on one machine with one host name, so nothing built on this
 * can rely on the host name.
 */
import { copyFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { makeCutWorkspace, type CutWorkspace, type LawId } from './cutWorkspace.js';
import { testGit, type TempGitRepos } from './gitRepos.js';

/** The hosts, the bare remote they share and the team's sovereign key. */
export interface Team {
  hosts: CutWorkspace[];
  remote: string;
  /** The team's sovereign key (trusted and backup recipient on every host). */
  sovereignKey: string;
}

/**
 * Host 0 adds `laws` and pushes its KB to a new bare remote; every other host replaces its KB with
 * a clone of that remote and trusts host 0's sovereign key (also its backup recipient). `url`:
 * the shared PostgreSQL database (undefined: each host has its own embedded PGlite, so only host 0
 * can drive host 0's runs).
 */
export async function makeTeam(repos: TempGitRepos, url: string | undefined, size: number, laws: LawId[] = ['readers']): Promise<Team> {
  const remote = await repos.bareRemote();
  const db = url === undefined ? {} : { databaseUrl: url };
  const first = await makeCutWorkspace({ laws, ...db });
  const git = testGit(first.config.kbDir, first.config.workspace);
  await git.raw(['remote', 'add', 'origin', remote]);
  await git.raw(['push', '--set-upstream', 'origin', 'HEAD:main']);
  const hosts = [first];
  for (let i = 1; i < size; i++) {
    const ws = await makeCutWorkspace({ laws: [], ...db });
    await rm(ws.config.kbDir, { recursive: true, force: true });
    await testGit(ws.dir, ws.dir).raw(['clone', remote, ws.config.kbDir]);
    await copyFile(path.join(first.dir, 'keyring', 'sovereign.pub.asc'), path.join(ws.dir, 'keyring', 'sovereign.pub.asc'));
    hosts.push(ws);
  }
  return { hosts, remote, sovereignKey: first.sovereignKey };
}

/** Commits of the host's KB clone that the remote does not have (after a fetch); '' when none. */
export async function unpushed(ws: CutWorkspace): Promise<string> {
  const git = testGit(ws.config.kbDir, ws.config.workspace);
  await git.raw(['fetch', 'origin']);
  return (await git.raw(['log', '--oneline', 'origin/main..HEAD'])).trim();
}
