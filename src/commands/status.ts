/**
 * `orchestrate status` (issue 5): where each run is. Read from this host's sidecars; with a shared
 * PostgreSQL (`DATABASE_URL`) also from the run registry (DESIGN §9, issue 13), read-only: every
 * run of the team, each at its latest recorded version, and who holds its session lock. Without
 * a run id one row per run; with one, the run's phase, persisted keys,
 * pins, uploads, stop, lock and — at a gate — how long it has waited. `--waiting --older-than 24h`
 * lists the runs paused at a gate for longer than that (the operator's reminder list).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import type { Config } from '../config/configSchema.js';
import { InputError } from '../errors.js';
import { isPidAlive, type LockHolder } from '../sidecar/acquireRunLock.js';
import { listSidecars } from '../sidecar/listSidecars.js';
import { readSidecar } from '../sidecar/readSidecar.js';
import type { RunView } from '../../machines/runView.js';
import { sidecarPaths } from '../sidecar/sidecarPaths.js';
import { STEP_NAMES } from '../../machines/steps.js';
import { assertWorkspace } from '../orchestrator/preflight.js';
import type { Database } from '../db/Database.js';
import { DbQueryError } from '../db/dbErrors.js';
import { stopCodeOf } from '../stops/stopCodeOf.js';
import { parseSessionHolder, type RegisteredRun } from '../registry/runRegistry.js';

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/**
 * Parses a duration such as `30m`, `24h`, `7d`, `1d12h` or `90s` (units s, m, h, d, w; whole
 * numbers; groups add up). Pure.
 *
 * @returns milliseconds
 * @throws InputError (field `older-than` unless named) for anything else: empty, no unit,
 *   fractions, negative numbers, unknown units
 */
export function parseDuration(text: string, field = 'older-than'): number {
  const trimmed = text.trim();
  if (!/^(?:\d+[smhdw])+$/.test(trimmed)) {
    throw new InputError(`duration ${JSON.stringify(text)} is not like 30m, 24h, 7d or 1d12h`, { field }, [
      { path: field, message: 'whole numbers with a unit s, m, h, d or w' },
    ]);
  }
  let ms = 0;
  for (const [, n, unit] of trimmed.matchAll(/(\d+)([smhdw])/g)) ms += Number(n) * UNIT_MS[unit as keyof typeof UNIT_MS];
  if (!Number.isSafeInteger(ms)) throw new InputError(`duration ${JSON.stringify(text)} is too large`, { field });
  return ms;
}

/** Human form of a non-negative duration, two largest units: `2d 3h`, `5h 12m`, `7m`, `42s`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3_600);
  const m = Math.floor((s % 3_600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m`;
  return `${s}s`;
}

/** Where a run is, from its persisted machine context (`snapshot.context`). */
export interface RunPhase {
  /** The step it is in, stopped or waiting at; the last step for a finished run; null when unknown. */
  step: string | null;
  completed: string[];
  last_completed: string | null;
}

/** Where a run is, from its view: the step it is in (the last step when done) and the steps done. */
export function runPhase(ctx: RunView): RunPhase {
  const last = ctx.completed.at(-1) ?? null;
  return { step: ctx.step ?? last, completed: ctx.completed, last_completed: last };
}

/** One row of the listing. `waiting_ms` only for runs at a gate (now − the time the gate started waiting). */
export interface StatusRow {
  run_id: string;
  document_id: string;
  state: RunView['state'];
  step: string | null;
  stop_code: string | null;
  updated_at: string;
  waiting_ms: number | null;
  waiting: string | null;
}

/** A sidecar file that could not be read, with why. */
export interface UnreadableRow {
  file: string;
  issues: { path: string; message: string }[];
}

/** The run lock as seen now: held or not, and whether the holder is alive (null: another host). */
export interface LockView {
  held: boolean;
  holder: LockHolder | null;
  alive: boolean | null;
}

function waitingMs(ctx: RunView, now: Date): number | null {
  if (ctx.state !== 'awaiting_sg1' && ctx.state !== 'awaiting_sg2') return null;
  return Math.max(0, now.getTime() - Date.parse(ctx.waiting_since ?? ctx.updated_at));
}

/** Builds the listing row of one run. */
export function statusRow(ctx: RunView, now: Date): StatusRow {
  const wait = waitingMs(ctx, now);
  return {
    run_id: ctx.run_id, document_id: ctx.document_id, state: ctx.state, step: runPhase(ctx).step,
    stop_code: ctx.stop?.code ?? null, updated_at: ctx.updated_at, waiting_ms: wait, waiting: wait === null ? null : formatDuration(wait),
  };
}

async function lockView(dir: string, runId: string): Promise<LockView> {
  let text: string;
  try {
    text = await readFile(sidecarPaths(dir, runId).lock, 'utf8');
  } catch {
    return { held: false, holder: null, alive: null };
  }
  try {
    const holder = JSON.parse(text) as LockHolder;
    return { held: true, holder, alive: holder.host === os.hostname() ? isPidAlive(holder.pid) : null };
  } catch {
    return { held: true, holder: null, alive: null };
  }
}

/**
 * Reads the run registry of a shared PostgreSQL (`DATABASE_URL`), never writing: undefined value
 * without one (the embedded database is the operator's, not opened here) or before any command
 * migrated it; a warning instead of an error when it cannot be read (status still shows this host).
 */
async function fromRegistry<T>(config: Config, read: (db: Database) => Promise<T>): Promise<{ value?: T; warning?: string }> {
  if (config.databaseUrl === undefined) return {};
  const { openDatabase } = await import('../db/openDatabase.js');
  let db: Database | undefined;
  try {
    db = await openDatabase(config);
    return { value: await read(db) };
  } catch (error) {
    if (error instanceof DbQueryError && error.sqlstate === '42P01') return {};
    return { warning: `the run registry could not be read (${stopCodeOf(error)}): showing this host's sidecars only` };
  } finally {
    await db?.close();
  }
}

/** The session lock as the registry's database shows it: held by whom (its application_name), or free. */
function sessionLockView(holder: string | undefined): LockView {
  if (holder === undefined) return { held: false, holder: null, alive: null };
  // A session lock is held by a live connection: its holder is alive by definition.
  return { held: true, holder: parseSessionHolder(holder), alive: true };
}

function nextStep(ctx: RunView, lock: LockView): string | null {
  const id = ctx.run_id;
  switch (ctx.state) {
    case 'awaiting_sg1':
    case 'awaiting_sg2': {
      const gate = ctx.state === 'awaiting_sg1' ? 'SG1' : 'SG2';
      return `a sovereign runs \`orchestrate approve --run-id ${id} --gate ${gate} --key <name>.sec.asc\`, then \`orchestrate resume --run-id ${id}\``;
    }
    case 'stopped':
      return `fix the cause (runbooks/README.md#${(ctx.stop?.code ?? 'stop').toLowerCase()}), then \`orchestrate resume --run-id ${id}\``;
    case 'running':
      return lock.held && lock.alive !== false ? 'a process is running it: wait for it' : `the process that ran it is gone: \`orchestrate resume --run-id ${id}\``;
    default:
      return null;
  }
}

/** Options of {@link status}. */
export interface StatusOptions {
  config: Config;
  runId?: string;
  /** Only runs paused at a gate. */
  waiting?: boolean;
  /** Only runs paused at a gate for longer than this (implies `waiting`); see {@link parseDuration}. */
  olderThanMs?: number;
  now?: Date;
}

function pad(cells: readonly string[], widths: readonly number[]): string {
  return cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
}

/**
 * A run this host has no sidecar of, as its committed KB run folder shows it (issue 9: a sovereign's
 * or an auditor's clone, or another operator host): state, last document, folder. Undefined when no
 * committed folder names the run.
 */
async function kbStatus(config: Config, runId: string): Promise<{ json: object; text: string } | undefined> {
  const [{ openKb }, { listRunFolders }] = await Promise.all([import('../kb/openKb.js'), import('../kb/findRunFolder.js')]);
  const kb = await openKb({ dir: config.kbDir, retry: { minTimeout: config.kbRetryMinMs } });
  const warnings: string[] = [];
  if (kb.hasRemote) await kb.sync().catch(() => warnings.push('could not sync with the KB remote; showing the local copy'));
  const run = (await listRunFolders(kb)).find((r) => r.run_id === runId);
  if (run === undefined) return undefined;
  const next = run.state === 'awaiting_sg1' || run.state === 'awaiting_sg2'
    ? `a sovereign approves: orchestrate approve --run-folder ${run.kb_folder} --gate ${run.state === 'awaiting_sg1' ? 'SG1' : 'SG2'} --key <file>; the operator then resumes`
    : `orchestrate verify --run-id ${runId} --kb-only`;
  const json = { run_id: run.run_id, document_id: run.document_id, kb_folder: run.kb_folder, state: run.state, last_step: run.last_step, documents: run.documents, source: 'kb', warnings, next };
  const text = [
    ...warnings.map((w) => `warning: ${w}`),
    `run ${run.run_id} · ${run.document_id} (from the KB: no sidecar of this run on this host)`,
    `state     ${run.state}${run.state === 'in_flight' ? ' (running or stopped: only the operator\'s host can tell)' : ''}`,
    `last      ${run.last_step} (${run.documents} of 13 run documents committed)`,
    `folder    ${run.kb_folder}`,
    `next      ${next}`,
  ].join('\n');
  return { json, text };
}

async function one(options: StatusOptions & { runId: string }, now: Date): Promise<{ json: object; text: string }> {
  const dir = options.config.sidecarsDir;
  const file = sidecarPaths(dir, options.runId).context;
  const registry = await fromRegistry(options.config, async (db) => {
    const { latestSnapshot, runSessionHolder } = await import('../registry/runRegistry.js');
    const run = await latestSnapshot(db, options.runId);
    return run === undefined ? undefined : { run, holder: await runSessionHolder(db, options.runId) };
  });
  const recorded = registry.value;
  if (recorded === undefined && !existsSync(file)) {
    const fromKb = await kbStatus(options.config, options.runId);
    if (fromKb !== undefined) return fromKb;
    throw new InputError(`unknown run ${options.runId}: no sidecar ${file}, not in the run registry, and no committed run folder of the KB names it`, { file, field: 'run-id' }, [],
      'orchestrate status lists the runs of this workspace (and of the team, with DATABASE_URL); orchestrate runs lists every run the KB shows');
  }
  // The registry's latest version is the run as the team last recorded it; this host's file may lag.
  const ctx = recorded?.run.view ?? (await readSidecar(dir, options.runId)).view;
  const local = recorded === undefined ? undefined : !existsSync(file) ? 'missing' : (await readFile(file, 'utf8')) === recorded.run.text ? 'same' : 'differs';
  const registryLine = recorded === undefined ? [] : [`registry  version ${recorded.run.version}, written ${recorded.run.writtenAt.toISOString()} on ${recorded.run.host} (pid ${recorded.run.pid}); this host's sidecar: ${local}`];
  const warnings = registry.warning === undefined ? [] : [registry.warning];
  const row = statusRow(ctx, now);
  const phase = runPhase(ctx);
  const lock = recorded === undefined ? await lockView(dir, ctx.run_id) : sessionLockView(recorded.holder);
  const pins = Object.fromEntries(Object.entries(ctx.pins).filter(([, v]) => v != null));
  const keys = Object.fromEntries(Object.entries(ctx.keys).filter(([, v]) => v != null));
  // Every refused approval file with its full reason (issue 9: the sovereign sees why, not only a code).
  const approvals = Object.fromEntries((['SG1', 'SG2'] as const).map((g) => [g, { accepted: ctx.approvals[g].accepted, refused: ctx.approvals[g].refused, since: ctx.approvals[g].since }]));
  const refusedLines = (['SG1', 'SG2'] as const).flatMap((g) => ctx.approvals[g].refused.map((r) => `  ${g} ${r.name}: refused (${r.reason}) ${r.message}`));
  const next = nextStep(ctx, lock);
  const json = {
    run_id: ctx.run_id, document_id: ctx.document_id, doc_prefix: ctx.doc_prefix, source_version_id: ctx.source_version_id,
    kb_folder: ctx.kb_folder, state: ctx.state, phase, keys, pins, uploads: { count: ctx.uploads.length, names: ctx.uploads.map((u) => u.name) },
    approvals, stop: ctx.stop, waiting_ms: row.waiting_ms, waiting: row.waiting, lock, actor: ctx.actor,
    created_at: ctx.created_at, updated_at: ctx.updated_at, next,
    ...(recorded === undefined ? {} : { registry: { version: recorded.run.version, written_at: recorded.run.writtenAt.toISOString(), host: recorded.run.host, pid: recorded.run.pid, local_sidecar: local } }),
    ...(warnings.length === 0 ? {} : { warnings }),
  };
  const text = [
    ...warnings.map((w) => `warning: ${w}`),
    `run ${ctx.run_id} · ${ctx.document_id} · source ${ctx.source_version_id.slice(0, 16)}`,
    ...registryLine,
    `state     ${ctx.state}${row.waiting === null ? '' : ` (waiting ${row.waiting} since ${ctx.waiting_since ?? ctx.updated_at})`}`,
    `phase     ${phase.step ?? '?'} (${phase.completed.length} of ${STEP_NAMES.length} steps done${phase.last_completed === null ? '' : `, last ${phase.last_completed}`})`,
    `stop      ${ctx.stop === null ? '-' : `${ctx.stop.code} at ${ctx.stop.at}: ${ctx.stop.detail}`}`,
    `folder    ${ctx.kb_folder} (${ctx.uploads.length} uploads)`,
    ...(refusedLines.length === 0 ? [] : ['approvals refused (fix and commit a new file, e.g. the -2 name):', ...refusedLines]),
    `lock      ${lock.held ? `held by pid ${lock.holder?.pid ?? '?'} on ${lock.holder?.host ?? '?'}${lock.alive === false ? ' (dead)' : ''}` : 'free'}`,
    `keys      ${Object.keys(keys).length === 0 ? '-' : ''}`,
    ...Object.entries(keys).map(([k, v]) => `  ${k.padEnd(18)} ${String(v)}`),
    `pins      ${Object.keys(pins).length === 0 ? '-' : ''}`,
    ...Object.entries(pins).map(([k, v]) => `  ${k.padEnd(30)} ${String(v)}`),
    ...(next === null ? [] : [`next      ${next}`]),
  ].join('\n');
  return { json, text };
}

/**
 * Reports the runs of `config.sidecarsDir` and, with a shared PostgreSQL, of the run registry
 * (each at its latest recorded version; the registry's session lock as the lock).
 *
 * @returns without `runId`: `json` = `{ runs: StatusRow[], unreadable: UnreadableRow[], filter }`
 *   and a table; with `runId`: the run's detail (phase, keys, pins, uploads, approvals, stop,
 *   waiting, lock, next). Unreadable sidecars are listed, never fatal.
 * @throws InputError for a malformed or unknown run id, a damaged sidecar of the named run, or a
 *   negative / non-finite `olderThanMs`
 */
export async function status(options: StatusOptions): Promise<{ json: object; text: string }> {
  const now = options.now ?? new Date();
  if (options.olderThanMs !== undefined && !(Number.isFinite(options.olderThanMs) && options.olderThanMs >= 0)) {
    throw new InputError('--older-than must be a non-negative duration', { field: 'older-than' });
  }
  // One run may be read from the KB alone (a clone without sidecars/); the list needs the sidecars.
  assertWorkspace(options.config, { sidecars: options.runId === undefined });
  if (options.runId !== undefined) return one({ ...options, runId: options.runId }, now);

  const listing = await listSidecars(options.config.sidecarsDir);
  // The team's runs: the registry's latest version of each, then this host's runs it does not know.
  const registry = await fromRegistry(options.config, async (db) => (await import('../registry/runRegistry.js')).allRuns(db));
  const known = new Map<string, RunView>((registry.value ?? []).map((r: RegisteredRun) => [r.view.run_id, r.view]));
  for (const ctx of listing.runs) if (!known.has(ctx.run_id)) known.set(ctx.run_id, ctx);
  const onlyWaiting = options.waiting === true || options.olderThanMs !== undefined;
  const rows = [...known.values()]
    .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.run_id.localeCompare(b.run_id))
    .map((ctx) => statusRow(ctx, now))
    .filter((r) => !onlyWaiting || r.waiting_ms !== null)
    .filter((r) => options.olderThanMs === undefined || (r.waiting_ms ?? 0) > options.olderThanMs);
  const unreadable: UnreadableRow[] = listing.unreadable.map((u) => ({ file: u.file, issues: u.issues }));
  const header = ['RUN', 'DOCUMENT', 'STATE', 'STEP', 'STOP', 'UPDATED', 'WAITING'];
  const cells = rows.map((r) => [r.run_id, r.document_id, r.state, r.step ?? '?', r.stop_code ?? '-', r.updated_at, r.waiting ?? '-']);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const lines = rows.length === 0
    ? [onlyWaiting ? 'no run is waiting at a gate' + (options.olderThanMs === undefined ? '' : ` for more than ${formatDuration(options.olderThanMs)}`) : 'no runs']
    : [pad(header, widths), ...cells.map((c) => pad(c, widths))];
  for (const u of unreadable) lines.push(`UNREADABLE ${u.file}: ${u.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  if (registry.warning !== undefined) lines.unshift(`warning: ${registry.warning}`);
  return {
    json: { runs: rows, unreadable, filter: { waiting: onlyWaiting, older_than_ms: options.olderThanMs ?? null }, ...(registry.warning === undefined ? {} : { warnings: [registry.warning] }) },
    text: lines.join('\n'),
  };
}
