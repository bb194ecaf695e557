/**
 * `orchestrate init [dir]` (issue 5): a workspace with `orchestrate.yaml`, a KB git repository,
 * `sidecars/` and `keyring/` — and nothing else. Safe to run twice: existing files are kept.
 */
import { access, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig, CONFIG_FILE } from '../config/loadConfig.js';
import { openKb } from '../kb/openKb.js';

/** The configuration file `init` writes: every key commented with its default and variable. */
export const CONFIG_TEMPLATE = `# orchestrate.yaml — governed-cut orchestrator workspace (every key is optional).
# Environment variables override this file; relative paths resolve against this folder.
database:
  # url: postgres://user@host:5432/db     # DATABASE_URL; unset → embedded PGlite
  pglite_dir: .orchestrate/pglite          # ORCHESTRATE_PGLITE_DIR
  writer_role: orchestrator_writer         # ORCHESTRATE_WRITER_ROLE
kb:
  dir: kb                                  # ORCHESTRATE_KB (a git work tree; add an 'origin' remote to push)
  retry_min_ms: 1000                       # ORCHESTRATE_KB_RETRY_MIN_MS
sidecars:
  dir: sidecars                            # ORCHESTRATE_SIDECARS
keyring:
  dir: keyring                             # ORCHESTRATE_KEYRING (trusted sovereign public keys; outside the KB)
backup:
  recipients: []                           # ORCHESTRATE_BACKUP_RECIPIENTS (armored public key files)
`;

/** What `init` made or found. */
export interface InitResult {
  workspace: string;
  created: string[];
  kept: string[];
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(() => true, () => false);
}

/**
 * Creates (or completes) a workspace in `dir`.
 * @throws InputError when an existing `orchestrate.yaml` is invalid (nothing else is created).
 */
export async function init(options: { dir: string; cwd: string; env?: NodeJS.ProcessEnv }): Promise<InitResult> {
  const workspace = path.resolve(options.cwd, options.dir);
  await mkdir(workspace, { recursive: true });
  const created: string[] = [];
  const kept: string[] = [];
  const configPath = path.join(workspace, CONFIG_FILE);
  if (await exists(configPath)) kept.push(CONFIG_FILE);
  else {
    await writeFile(configPath, CONFIG_TEMPLATE, { flag: 'wx' });
    created.push(CONFIG_FILE);
  }
  const config = await loadConfig({ workspace, env: options.env ?? process.env });
  for (const dir of [config.sidecarsDir, config.keyringDir]) {
    const rel = path.relative(workspace, dir) || '.';
    if (await exists(dir)) kept.push(`${rel}/`);
    else {
      await mkdir(dir, { recursive: true });
      created.push(`${rel}/`);
    }
  }
  const kbRel = `${path.relative(workspace, config.kbDir) || '.'}/`;
  const hadKb = await exists(path.join(config.kbDir, '.git'));
  await openKb({ dir: config.kbDir });
  (hadKb ? kept : created).push(kbRel);
  return { workspace, created, kept };
}
