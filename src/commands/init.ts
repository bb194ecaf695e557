/**
 * `orchestrate init [dir]` (issue 5): a workspace with `orchestrate.yaml`, a KB git repository,
 * `sidecars/` and `keyring/`, and — when the database is the embedded default — a migrated PGlite
 * data directory (issue 11), so the first `cut` starts at once. Safe to run twice: existing files
 * (an existing data directory included) are kept.
 */
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { parseDocument } from 'yaml';
import { InputError } from '../errors.js';
import { loadConfig, CONFIG_FILE } from '../config/loadConfig.js';
import { openKb } from '../kb/openKb.js';
import type { Config } from '../config/configSchema.js';

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
  /** Configuration keys set by this run (`backup.recipients`). */
  updated: string[];
}

/**
 * Sets `backup.recipients` in the workspace's orchestrate.yaml, keeping its comments and every other
 * key (the yaml library's document model), written atomically.
 * @throws InputError naming the file when a recipient key file does not exist (nothing is written)
 */
async function setBackupRecipients(workspace: string, configPath: string, recipients: readonly string[]): Promise<void> {
  for (const file of recipients) {
    if (!(await exists(path.resolve(workspace, file)))) {
      throw new InputError(`backup recipient ${file} does not exist (relative paths resolve against the workspace ${workspace})`, { file, field: 'backup-recipient' }, [],
        'export the public key first (orchestrate keys generate writes <name>.pub.asc), then run init again');
    }
  }
  const doc = parseDocument(await readFile(configPath, 'utf8'));
  if (doc.errors.length > 0) throw new InputError(`${configPath} is not valid YAML: ${doc.errors[0]?.message ?? ''}`, { file: configPath, field: 'backup.recipients' }, [], `fix ${CONFIG_FILE} first`);
  doc.setIn(['backup', 'recipients'], doc.createNode([...recipients], { flow: true }));
  await writeFileAtomic(configPath, doc.toString());
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(() => true, () => false);
}

/**
 * Creates the embedded data directory: a copy of the build's migrated template when there is one
 * for the current migrations (its key is the migrations' sha256, so it is migrated by construction
 * and not opened here), otherwise initdb + every migration (e.g. running from the sources before a build).
 */
async function prepareEmbeddedDatabase(config: Config): Promise<void> {
  const { seedPgliteFromTemplate } = await import('../db/pgliteTemplate.js');
  if (await seedPgliteFromTemplate(config.pgliteDir)) return;
  const [{ openDatabase }, { migrate }] = await Promise.all([import('../db/openDatabase.js'), import('../db/migrate.js')]);
  const db = await openDatabase(config);
  try {
    await migrate(db);
  } finally {
    await db.close();
  }
}

/**
 * Creates (or completes) a workspace in `dir`; with `backupRecipients`, also sets
 * `backup.recipients` in its orchestrate.yaml (comments kept).
 * @throws InputError when an existing `orchestrate.yaml` is invalid (nothing else is created) or a
 *   backup recipient file does not exist;
 *   DbUnavailable (`STOP_DB`) / LockHeld (`STOP_LOCKED`) when the embedded data directory cannot be created.
 */
export async function init(options: { dir: string; cwd: string; env?: NodeJS.ProcessEnv; backupRecipients?: readonly string[] }): Promise<InitResult> {
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
  const updated: string[] = [];
  if (options.backupRecipients !== undefined && options.backupRecipients.length > 0) {
    await setBackupRecipients(workspace, configPath, options.backupRecipients);
    updated.push(`backup.recipients = [${options.backupRecipients.join(', ')}]`);
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
  if (config.databaseUrl === undefined && config.pgliteDir !== 'memory://') {
    const rel = `${path.relative(workspace, config.pgliteDir) || '.'}/`;
    if (await exists(path.join(config.pgliteDir, 'PG_VERSION'))) kept.push(rel);
    else {
      await prepareEmbeddedDatabase(config);
      created.push(rel);
    }
  }
  return { workspace, created, kept, updated };
}
