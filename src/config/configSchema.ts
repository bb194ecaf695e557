/**
 * The workspace configuration (`orchestrate.yaml`): schema, defaults and environment overrides.
 *
 * Every key has a default and an environment variable that overrides the file (issue 2). Paths
 * are resolved against the workspace directory (the folder holding `orchestrate.yaml`).
 */
import { z } from 'zod';

/** One configuration key: where it lives in the YAML, its environment override, its default. */
export interface ConfigKey {
  path: string;
  env: string;
  default: string;
  description: string;
}

/** The table of keys; README.md's configuration table is generated from the same facts. */
export const CONFIG_KEYS: readonly ConfigKey[] = [
  { path: 'database.url', env: 'DATABASE_URL', default: '(unset: embedded PGlite)', description: 'PostgreSQL ≥ 14 connection string; absent → embedded PGlite' },
  { path: 'database.pglite_dir', env: 'ORCHESTRATE_PGLITE_DIR', default: '.orchestrate/pglite', description: 'PGlite data directory, created on first use' },
  { path: 'database.writer_role', env: 'ORCHESTRATE_WRITER_ROLE', default: 'orchestrator_writer', description: 'least-privilege role the writes run as (SET LOCAL ROLE)' },
  { path: 'kb.dir', env: 'ORCHESTRATE_KB', default: 'kb', description: 'KB git work tree' },
  { path: 'kb.retry_min_ms', env: 'ORCHESTRATE_KB_RETRY_MIN_MS', default: '1000', description: 'first KB upload retry delay in ms (×2 per retry, 3 retries, cap 30 s)' },
  { path: 'sidecars.dir', env: 'ORCHESTRATE_SIDECARS', default: 'sidecars', description: 'run sidecars (RunContext JSON, lock, backup)' },
  { path: 'keyring.dir', env: 'ORCHESTRATE_KEYRING', default: 'keyring', description: 'trusted sovereign public keys (must be outside the KB)' },
  { path: 'backup.recipients', env: 'ORCHESTRATE_BACKUP_RECIPIENTS', default: '[] (comma-separated in env)', description: 'armored public key files the pre-write backup is encrypted to' },
  { path: 'actor', env: 'ORCHESTRATE_ACTOR', default: '<user>@<host>', description: 'who runs the cut, as written in reports and the runs-index' },
];

const nonEmpty = z.string().trim().min(1, 'must not be empty');

/** Schema of `orchestrate.yaml` as written by a user: every key optional, unknown keys refused. */
export const configFileSchema = z
  .object({
    database: z
      .object({
        url: nonEmpty.optional(),
        pglite_dir: nonEmpty.optional(),
        writer_role: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lowercase SQL identifier').optional(),
      })
      .strict()
      .optional(),
    kb: z
      .object({
        dir: nonEmpty.optional(),
        retry_min_ms: z.number().int().min(0).max(30_000).optional(),
      })
      .strict()
      .optional(),
    sidecars: z.object({ dir: nonEmpty.optional() }).strict().optional(),
    keyring: z.object({ dir: nonEmpty.optional() }).strict().optional(),
    backup: z.object({ recipients: z.array(nonEmpty).optional() }).strict().optional(),
    actor: nonEmpty.optional(),
  })
  .strict();

export type ConfigFile = z.infer<typeof configFileSchema>;

/** The resolved configuration every command receives. Paths are absolute. */
export interface Config {
  workspace: string;
  /** Absent → embedded PGlite. Contains a password only if the user put one there: never print it. */
  databaseUrl: string | undefined;
  pgliteDir: string;
  writerRole: string;
  kbDir: string;
  kbRetryMinMs: number;
  sidecarsDir: string;
  keyringDir: string;
  backupRecipients: string[];
  actor: string;
  /** Values that must never appear in a report, log line or error (DSN password, …). */
  secrets: string[];
}
