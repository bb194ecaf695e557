/**
 * Loads `orchestrate.yaml` from a workspace, applies environment overrides and defaults, and
 * validates the result (issue 2: yaml + zod; invalid configuration → exit 2 with a `path: message` list).
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { InputError } from '../errors.js';
import { configFileSchema, type Config, type ConfigFile } from './configSchema.js';
import { dsnPasswords } from '../db/redactDsn.js';

/** File name of the workspace configuration. */
export const CONFIG_FILE = 'orchestrate.yaml';

/** Result of validating configuration text: the parsed file or every problem as data. */
export type ParsedConfigFile =
  | { ok: true; value: ConfigFile }
  | { ok: false; issues: { path: string; message: string; line?: number }[] };

/**
 * Parses and validates the text of an `orchestrate.yaml`. Never throws.
 * Empty text is an empty configuration (all defaults).
 */
export function parseConfigText(text: string): ParsedConfigFile {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      issues: doc.errors.map((e) => ({ path: '(yaml)', message: e.message.split('\n')[0] ?? e.message, line: e.linePos?.[0]?.line })),
    };
  }
  const raw: unknown = doc.toJS() ?? {};
  const parsed = configFileSchema.safeParse(raw);
  if (parsed.success) return { ok: true, value: parsed.data };
  return {
    ok: false,
    issues: parsed.error.issues.map((i) => ({ path: i.path.length > 0 ? i.path.join('.') : '(root)', message: i.message })),
  };
}

function envNumber(env: NodeJS.ProcessEnv, name: string, issues: { path: string; message: string }[]): number | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 30_000) {
    issues.push({ path: `env ${name}`, message: 'must be a whole number of milliseconds from 0 to 30000' });
    return undefined;
  }
  return n;
}

function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Loads the configuration of the workspace `workspace` (a missing `orchestrate.yaml` means all
 * defaults). Precedence: environment variable > file > default.
 *
 * @param options.workspace - workspace directory (absolute or relative to `cwd`)
 * @param options.env - environment to read; defaults to `process.env`
 * @throws InputError (STOP_INPUT, exit 2) listing every `path: message` problem, with the file name.
 */
export async function loadConfig(options: { workspace: string; env?: NodeJS.ProcessEnv; cwd?: string }): Promise<Config> {
  const env = options.env ?? process.env;
  const workspace = path.resolve(options.cwd ?? process.cwd(), options.workspace);
  const file = path.join(workspace, CONFIG_FILE);
  let text = '';
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const parsed = parseConfigText(text);
  if (!parsed.ok) {
    const first = parsed.issues.find((i) => 'line' in i && i.line !== undefined);
    throw new InputError(`invalid configuration`, { file, line: first && 'line' in first ? first.line : undefined }, parsed.issues, `fix ${CONFIG_FILE} and run the command again`);
  }
  const f = parsed.value;
  const issues: { path: string; message: string }[] = [];
  const resolve = (p: string): string => path.resolve(workspace, p);

  const databaseUrl = envValue(env, 'DATABASE_URL') ?? f.database?.url;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    issues.push({ path: 'database.url', message: 'must start with postgres:// or postgresql://' });
  }
  const writerRole = envValue(env, 'ORCHESTRATE_WRITER_ROLE') ?? f.database?.writer_role ?? 'orchestrator_writer';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(writerRole)) issues.push({ path: 'database.writer_role', message: 'must be a lowercase SQL identifier' });
  const kbDir = resolve(envValue(env, 'ORCHESTRATE_KB') ?? f.kb?.dir ?? 'kb');
  const keyringDir = resolve(envValue(env, 'ORCHESTRATE_KEYRING') ?? f.keyring?.dir ?? 'keyring');
  if (isInside(keyringDir, kbDir)) issues.push({ path: 'keyring.dir', message: 'the trusted keyring must be outside the KB work tree (DESIGN §2)' });
  const recipientsEnv = envValue(env, 'ORCHESTRATE_BACKUP_RECIPIENTS');
  const recipients = recipientsEnv !== undefined ? recipientsEnv.split(',').map((s) => s.trim()).filter((s) => s !== '') : (f.backup?.recipients ?? []);
  const kbRetryMinMs = envNumber(env, 'ORCHESTRATE_KB_RETRY_MIN_MS', issues) ?? f.kb?.retry_min_ms ?? 1000;
  if (issues.length > 0) throw new InputError(`invalid configuration (file or environment)`, { file }, issues, `fix ${CONFIG_FILE} or the environment variable and run the command again`);

  const passwords = databaseUrl === undefined ? [] : dsnPasswords(databaseUrl);
  return {
    workspace,
    databaseUrl,
    pgliteDir: resolve(envValue(env, 'ORCHESTRATE_PGLITE_DIR') ?? f.database?.pglite_dir ?? '.orchestrate/pglite'),
    writerRole,
    kbDir,
    kbRetryMinMs,
    sidecarsDir: resolve(envValue(env, 'ORCHESTRATE_SIDECARS') ?? f.sidecars?.dir ?? 'sidecars'),
    keyringDir,
    backupRecipients: recipients.map(resolve),
    actor: envValue(env, 'ORCHESTRATE_ACTOR') ?? f.actor ?? `${os.userInfo().username}@${os.hostname()}`,
    secrets: [...new Set(passwords.flatMap((p) => [p, encodeURIComponent(p)]))],
  };
}
