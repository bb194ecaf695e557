/**
 * The explicit, minimal environment every KB git process runs with (DESIGN §3, issue 4).
 *
 * Git must behave the same under `npm run` (which injects `EDITOR`, `npm_*`), CI and a user's shell,
 * so nothing is inherited wholesale: only `PATH`, `HOME` and, when present, `SSH_AUTH_SOCK` (so an
 * ssh remote can still authenticate through the user's agent) are copied from the source
 * environment. No `GIT_*`, `EDITOR` or locale variables leak in.
 */
import os from 'node:os';

/** Fallback `PATH` when the source environment has none. */
const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';

/**
 * Builds the environment for KB git processes.
 *
 * @param source - environment to pick `PATH`, `HOME`, `SSH_AUTH_SOCK` from; defaults to `process.env`
 * @param extra - variables set on top, verbatim (tests use `GIT_CONFIG_GLOBAL=/dev/null`); they win
 * @returns a fresh object: `PATH`, `HOME` (source `HOME`, else `os.homedir()`), `LANG=C`,
 *   `LC_ALL=C`, `GIT_TERMINAL_PROMPT=0` (a missing credential fails instead of hanging), plus `extra`
 */
export function kbGitEnv(
  source: NodeJS.ProcessEnv = process.env,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const env: Record<string, string> = {
    PATH: source['PATH'] ?? DEFAULT_PATH,
    HOME: source['HOME'] ?? os.homedir(),
    LANG: 'C',
    LC_ALL: 'C',
    GIT_TERMINAL_PROMPT: '0',
  };
  const agent = source['SSH_AUTH_SOCK'];
  if (agent !== undefined && agent !== '') env['SSH_AUTH_SOCK'] = agent;
  return { ...env, ...extra };
}

/**
 * The `GIT_*` names of an environment, which simple-git only passes to git when they are listed in
 * its `allowEnvironment` option.
 */
export function gitVariableNames(env: Readonly<Record<string, string>>): string[] {
  return Object.keys(env).filter((name) => name.toUpperCase().startsWith('GIT_'));
}
