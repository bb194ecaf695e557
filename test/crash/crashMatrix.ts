/**
 * The crash matrix (issue 13, DESIGN §10): the real CLI killed by SIGKILL at every failpoint a full
 * governed cut reaches, then the run recovered the way an operator and a sovereign would (`cut`
 * again, `resume` the run it names, `approve` at each gate), and the end state compared with an
 * uncrashed run of the same document.
 *
 * Which points a full cut reaches is measured, not listed by hand: an uncrashed baseline runs with
 * `ORCHESTRATE_FAILPOINT_TRACE`, which records every point passed (scoped name). Every name of
 * `orchestrate failpoints` is then either reached (and must recover) or reported as not reached.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { openDatabase } from '../../src/db/openDatabase.js';
import { listFailpoints } from '../../src/failpoints/failpoint.js';
import { openKb } from '../../src/kb/openKb.js';
import { RUNS_INDEX_PATH } from '../../src/kb/runsIndex.js';
import { latestSnapshot } from '../../src/registry/runRegistry.js';
import { liveDocument } from '../../src/orchestrator/liveDocument.js';
import type { CutWorkspace } from '../support/cutWorkspace.js';
import { makeTempDir } from '../support/sovereignKeys.js';
import { countRows, runCli } from '../support/stopHelpers.js';
import { testGit } from '../support/gitRepos.js';
import { unpushed } from '../support/team.js';

export const LAW = 'readers';

/** What one operator session did: the commands in order, and where a process was killed. */
export interface Operation {
  runId: string | undefined;
  /** The command that was killed (`cut`, `resume`, `approve SG1`, …), or undefined when the run finished. */
  crashed: string | undefined;
  log: string[];
}

interface CliJson {
  code: string | null;
  run_id?: string | null;
  message?: string;
}

/**
 * Plays the operator and the sovereign on `host` until the run is done or a process is killed:
 * `cut`; at a gate, `approve` (signed with `sovereignKey`) then `resume`; on STOP_REPLAY_CONFLICT,
 * `resume` of the run the stop names (the stop's `next`). Any other stop is a failure (thrown
 * with the whole transcript). `env` is added to every process (the failpoint, the trace).
 */
export async function operate(host: CutWorkspace, sovereignKey: string, env: NodeJS.ProcessEnv = {}): Promise<Operation> {
  const log: string[] = [];
  let runId: string | undefined;
  let args: string[] = ['cut', '--document-id', LAW, '--json'];
  for (let i = 0; i < 16; i++) {
    const what = args[0] === 'approve' ? `approve ${args[4] ?? ''}` : args[0]!;
    const started = performance.now();
    const r = await runCli(host, args, env);
    const ms = Math.round(performance.now() - started);
    if (r.signal === 'SIGKILL') {
      log.push(`${what} → killed (${ms} ms)`);
      return { runId, crashed: what, log };
    }
    let out: CliJson;
    try {
      out = JSON.parse(r.stdout) as CliJson;
    } catch {
      throw new Error(`${what} ended with exit ${String(r.code)}, signal ${String(r.signal)}, no JSON:\n${r.stderr}\n${log.join('\n')}`);
    }
    runId = out.run_id ?? runId;
    log.push(`${what} → ${out.code ?? 'ok'} (${ms} ms)`);
    if (args[0] === 'approve') {
      if (out.code !== null && out.code !== undefined) throw new Error(`${what} refused ${out.code}: ${out.message ?? ''}\n${log.join('\n')}`);
      args = ['resume', '--run-id', runId!, '--json'];
      continue;
    }
    if (out.code === null) return { runId, crashed: undefined, log };
    if (out.code === 'AWAITING_SG1' || out.code === 'AWAITING_SG2') {
      args = ['approve', '--run-id', runId!, '--gate', out.code.slice(-3), '--key', sovereignKey, '--yes', '--json'];
    } else if (out.code === 'STOP_REPLAY_CONFLICT' && runId !== undefined) {
      args = ['resume', '--run-id', runId, '--json'];
    } else {
      throw new Error(`${what} stopped ${out.code}: ${out.message ?? ''}\n${log.join('\n')}`);
    }
  }
  throw new Error(`the run did not finish in 16 commands:\n${log.join('\n')}`);
}

/**
 * Runs a full governed cut with the failpoint trace on and returns the points passed, in order
 * of first passage, each once (scoped names; a point passed without a scope keeps its bare name).
 */
export async function tracedRun(host: CutWorkspace, sovereignKey: string): Promise<{ operation: Operation; reached: string[] }> {
  const trace = path.join(await makeTempDir('orchestrate-trace-'), 'failpoints.log');
  const operation = await operate(host, sovereignKey, { ORCHESTRATE_FAILPOINT_TRACE: trace });
  const lines = (await readFile(trace, 'utf8')).split('\n').filter((l) => l !== '');
  return { operation, reached: [...new Set(lines)] };
}

/**
 * Splits the names of `orchestrate failpoints` by what a traced run passed (`traced`, in order of
 * first passage): `cases` are the scoped points passed (each killed once by the matrix);
 * `aliases` the bare points passed, each mapped to the scoped point of its first passage (a bare
 * point fires there, so its kill is that case's kill); `notReached` the rest.
 */
export function reachedFailpoints(traced: readonly string[]): { cases: string[]; aliases: Map<string, string>; notReached: string[] } {
  const listed = new Set(listFailpoints());
  const cases = traced.filter((t) => listed.has(t));
  const aliases = new Map<string, string>();
  for (const t of traced) {
    const point = t.split('/').pop()!;
    if (t.includes('/') && !aliases.has(point)) aliases.set(point, t);
  }
  const notReached = [...listed].filter((name) => !cases.includes(name) && !aliases.has(name));
  return { cases, aliases, notReached };
}

/** One kill of a chain: the point that fired, the command it killed, and the host it ran on. */
export interface Kill {
  point: string;
  command: string;
  host: number;
}

/** What a chain did: the kills in order, the points it never passed, and the run it finished. */
export interface Chain {
  runId: string | undefined;
  kills: Kill[];
  /** Points of the chain no process passed after the previous kill (the matrix kills them alone). */
  unreached: string[];
  /** The host (index) whose operator finished the run. */
  host: number;
  log: string[];
}

/**
 * One governed cut killed again and again: every process gets all of `points` not killed yet
 * (`ORCHESTRATE_FAILPOINT` takes a list and fires at the first passed; the trace tells which), and
 * after each kill the operator starts over with `cut` (which names the run to resume). A kill at a
 * DB-write point moves the operator to the next host of `hosts` (round robin): the run must be
 * resumable where its sidecar is not. Ends when a run finishes; the points left are `unreached`.
 */
export async function operateChain(hosts: readonly CutWorkspace[], sovereignKey: string, points: readonly string[]): Promise<Chain> {
  const traceDir = await makeTempDir('orchestrate-chain-');
  const pending = [...points];
  const kills: Kill[] = [];
  const log: string[] = [];
  let host = 0;
  for (let round = 0; round <= points.length; round++) {
    const trace = path.join(traceDir, `round-${round}.log`);
    const env = pending.length === 0 ? {} : { ORCHESTRATE_FAILPOINT: pending.join(','), ORCHESTRATE_FAILPOINT_TRACE: trace };
    const op = await operate(hosts[host]!, sovereignKey, env);
    log.push(...op.log.map((line) => `[host ${host}] ${line}`));
    if (op.crashed === undefined) return { runId: op.runId, kills, unreached: pending, host, log };
    const passed = (await readFile(trace, 'utf8')).split('\n').filter((l) => l !== '');
    const fired = passed.at(-1)!;
    const point = pending.find((p) => p === fired || p === fired.split('/').pop());
    if (point === undefined) throw new Error(`killed at ${fired}, which the chain did not set:\n${log.join('\n')}`);
    pending.splice(pending.indexOf(point), 1);
    kills.push({ point, command: op.crashed, host });
    log.push(`[host ${host}] killed at ${point}`);
    if (isDbWritePoint(point)) host = (host + 1) % hosts.length;
  }
  throw new Error(`the chain did not finish:\n${log.join('\n')}`);
}

/** Deals `cases` (in order of first passage) into `count` chains, round robin, so each chain's points lie far apart. */
export function dealChains(cases: readonly string[], count: number): string[][] {
  const chains: string[][] = Array.from({ length: Math.min(count, cases.length) }, () => []);
  cases.forEach((c, i) => chains[i % chains.length]!.push(c));
  return chains;
}

/** The DB-write failpoints: after them a run must be resumable from another host (issue 13). */
export function isDbWritePoint(name: string): boolean {
  return /(^|\/)(db\.commit\.(before|after)|leg_a\.inside_txn)$/.test(name);
}

/** The end state of a finished run, as far as it must equal an uncrashed run's. */
export interface EndState {
  /** Row count per governed table, and IUs per lifecycle state. */
  rows: Record<string, number>;
  /** Runs of the document in the run registry. */
  registeredRuns: number;
  /** IUs the document's plan holds. */
  planned: number;
  /** Files in the run folder, and how many of them have exactly one commit. */
  files: number;
  filesAtOneCommit: number;
  /** Lines of the runs index naming the run. */
  indexLines: number;
  /** Commits of the host's clone the remote lacks ('' when none). */
  unpushed: string;
  /** `orchestrate verify` exit code on the host. */
  verifyExit: number | null;
}

/** Reads the {@link EndState} of run `runId` on `host` (database, KB clone after a fetch, verify). */
export async function endState(host: CutWorkspace, runId: string): Promise<EndState> {
  const left = await unpushed(host);
  const kb = await openKb({ dir: host.config.kbDir });
  const sidecar = JSON.parse(await readFile(path.join(host.config.sidecarsDir, `${runId}.json`), 'utf8')) as { kb_folder: string };
  const files = await kb.list(sidecar.kb_folder);
  let atOne = 0;
  for (const f of files) if ((await kb.revisions(`${sidecar.kb_folder}/${f}`)) === 1) atOne++;
  const index = await readFile(path.join(host.config.kbDir, RUNS_INDEX_PATH), 'utf8').catch(() => '');
  const verified = await runCli(host, ['verify', '--run-id', runId, '--json']);
  const db = await openDatabase(host.config);
  let registeredRuns: number;
  try {
    registeredRuns = Number((await db.query<{ n: string | number }>('SELECT count(*) AS n FROM cutter_governance.run WHERE document_id = $1', [LAW])).rows[0]?.n);
  } finally {
    await db.close();
  }
  return {
    rows: await countRows(host),
    registeredRuns,
    planned: liveDocument(host.config.kbDir, LAW).plan().length,
    files: files.length,
    filesAtOneCommit: atOne,
    indexLines: index.split('\n').filter((l) => l.includes(runId.replaceAll('-', ''))).length,
    unpushed: left,
    verifyExit: verified.code,
  };
}

/** Asserts the uncrashed run's end state: 1 registered run, 1 change set, IU rows = plan, 1 of each record, 15 files at 1 commit, 1 index line, verify passes. */
export function expectUncrashedShape(state: EndState): void {
  expect(state.registeredRuns, 'runs in the registry').toBe(1);
  expect(state.rows['cutter_governance.cut_change_set'], 'change sets').toBe(1);
  expect(state.rows['cutter.iu'], 'IU rows').toBe(state.planned);
  expect(state.rows['cutter_governance.manifest_envelope'], 'manifest envelopes').toBe(1);
  expect(state.rows['cutter_governance.verify_result'], 'verify results').toBe(1);
  expect(state.rows['cutter_governance.review_decision'], 'review decisions').toBe(1);
  expect(state.files, 'files in the run folder').toBe(15);
  expect(state.filesAtOneCommit, 'files at exactly 1 commit').toBe(15);
  expect(state.indexLines, 'runs-index lines').toBe(1);
  expect(state.unpushed, 'unpushed commits').toBe('');
  expect(state.verifyExit, 'verify exit code').toBe(0);
}

/** Failpoint name → `reached` (killed, end state not yet checked) or `recovered (…)` (see matrixReport.ts). */
export type Verdicts = Map<string, string>;

/**
 * Kills one run at `point` on `hosts[0]` and recovers it on `hosts[1]` after a DB-write point
 * (when there is a second host), else on the same host; then checks the end state of an uncrashed
 * run on the recovering host and that no host holds an unpushed commit. Records the verdict.
 */
export async function killAlone(hosts: readonly CutWorkspace[], sovereignKey: string, point: string, verdicts: Verdicts): Promise<void> {
  verdicts.set(point, 'reached');
  const crash = await operate(hosts[0]!, sovereignKey, { ORCHESTRATE_FAILPOINT: point });
  expect(crash.crashed, `not killed at ${point}:\n${crash.log.join('\n')}`).toBeDefined();
  const at = isDbWritePoint(point) && hosts.length > 1 ? 1 : 0;
  const recovery = await operate(hosts[at]!, sovereignKey);
  expect(recovery.crashed, recovery.log.join('\n')).toBeUndefined();
  expectUncrashedShape(await endState(hosts[at]!, recovery.runId!));
  for (const host of hosts) expect(await unpushed(host), 'unpushed commits on a host').toBe('');
  verdicts.set(point, `recovered alone on host ${at} (killed in ${crash.crashed})`);
}

/**
 * Runs one chain ({@link operateChain}) over `points`, checks the finished run's end state and
 * that no host holds an unpushed commit, records a verdict per kill; then kills each point the
 * chain never passed alone, on a fresh team from `freshTeam`.
 */
export async function killInChain(
  hosts: readonly CutWorkspace[],
  sovereignKey: string,
  points: readonly string[],
  verdicts: Verdicts,
  freshTeam: FreshTeam,
  label: string,
): Promise<Chain> {
  const chain = await operateChain(hosts, sovereignKey, points);
  for (const kill of chain.kills) verdicts.set(kill.point, 'reached');
  expect(chain.runId, chain.log.join('\n')).toBeDefined();
  expectUncrashedShape(await endState(hosts[chain.host]!, chain.runId!));
  for (const host of hosts) expect(await unpushed(host), 'unpushed commits on a host').toBe('');
  for (const kill of chain.kills) verdicts.set(kill.point, `recovered in ${label} on host ${kill.host} (killed in ${kill.command})`);
  for (const point of chain.unreached) {
    const team = await freshTeam();
    try {
      await killAlone(team.hosts, team.sovereignKey, point, verdicts);
    } finally {
      await team.dispose();
    }
  }
  return chain;
}

function parsed(r: { stdout: string; stderr: string; code: number | null }, what: string): CliJson {
  try {
    return JSON.parse(r.stdout) as CliJson;
  } catch {
    throw new Error(`${what} ended with exit ${String(r.code)}, no JSON:\n${r.stderr}`);
  }
}

/** Drives a fresh run to its SG2 gate — leg A and leg B written, a change set to void — and returns its id. */
export async function runToSg2(host: CutWorkspace, sovereignKey: string): Promise<string> {
  const started = parsed(await runCli(host, ['cut', '--document-id', LAW, '--json']), 'cut');
  expect(started.code, started.message).toBe('AWAITING_SG1');
  const runId = started.run_id!;
  const approved = await runCli(host, ['approve', '--run-id', runId, '--gate', 'SG1', '--key', sovereignKey, '--yes', '--json']);
  expect(approved.code, approved.stderr).toBe(0);
  const paused = parsed(await runCli(host, ['resume', '--run-id', runId, '--json']), 'resume');
  expect(paused.code, paused.message).toBe('AWAITING_SG2');
  return runId;
}

/**
 * `orchestrate void` of `runId` killed at each of `points` in turn (as {@link operateChain}; with
 * no points, one traced void), the sovereign running it again after each kill — on the next host
 * after a DB-write point — until it succeeds (killed after the void was recorded, the next void
 * adopts it: exit 0, `already_voided`). Returns the kills and every point passed.
 */
export async function voidChain(hosts: readonly CutWorkspace[], sovereignKey: string, runId: string, points: readonly string[]): Promise<Chain & { passed: string[] }> {
  const traceDir = await makeTempDir('orchestrate-void-');
  const pending = [...points];
  const kills: Kill[] = [];
  const log: string[] = [];
  const passed: string[] = [];
  let host = 0;
  for (let round = 0; round <= points.length; round++) {
    const trace = path.join(traceDir, `round-${round}.log`);
    const env = { ORCHESTRATE_FAILPOINT_TRACE: trace, ...(pending.length === 0 ? {} : { ORCHESTRATE_FAILPOINT: pending.join(',') }) };
    const r = await runCli(hosts[host]!, ['void', '--run-id', runId, '--key', sovereignKey, '--reason', 'crash matrix', '--json'], env);
    const lines = existsSync(trace) ? (await readFile(trace, 'utf8')).split('\n').filter((l) => l !== '') : [];
    passed.push(...lines);
    if (r.signal !== 'SIGKILL') {
      const out = parsed(r, 'void');
      log.push(`[host ${host}] void → ${out.code ?? 'ok'}`);
      // Killed after the void was recorded, the sovereign's next void adopts it (exit 0, already_voided).
      expect(r.code, `${r.stderr}\n${log.join('\n')}`).toBe(0);
      return { runId, kills, unreached: pending, host, log, passed: [...new Set(passed)] };
    }
    const fired = lines.at(-1)!;
    const point = pending.find((p) => p === fired || p === fired.split('/').pop());
    if (point === undefined) throw new Error(`void killed at ${fired}, which the chain did not set:\n${log.join('\n')}`);
    pending.splice(pending.indexOf(point), 1);
    kills.push({ point, command: 'void', host });
    log.push(`[host ${host}] void → killed at ${point}`);
    if (isDbWritePoint(point)) host = (host + 1) % hosts.length;
  }
  throw new Error(`the void chain did not finish:\n${log.join('\n')}`);
}

/**
 * The end state of a voided run, as after an uncrashed void: 1 change_set_void row, 1 VOID
 * document in the run folder at 1 commit, the registry's latest version voided, no unpushed
 * commit on any host, and the document free again (`cut` starts a new run).
 */
export async function expectVoided(hosts: readonly CutWorkspace[], at: number, runId: string): Promise<void> {
  const host = hosts[at]!;
  const db = await openDatabase(host.config);
  try {
    const voids = await db.query<{ n: string | number }>('SELECT count(*) AS n FROM cutter_governance.change_set_void');
    expect(Number(voids.rows[0]?.n), 'change_set_void rows').toBe(1);
    const latest = await latestSnapshot(db, runId);
    expect(latest?.view.state, 'the registry\'s latest version').toBe('voided');
  } finally {
    await db.close();
  }
  const kb = await openKb({ dir: host.config.kbDir });
  await testGit(host.config.kbDir, host.config.workspace).raw(['pull', '--ff-only']);
  const folder = (JSON.parse(await readFile(path.join(host.config.sidecarsDir, `${runId}.json`), 'utf8')) as { kb_folder: string }).kb_folder;
  const voidDocs = (await kb.list(folder)).filter((f) => f.startsWith('VOID-'));
  expect(voidDocs, 'VOID documents').toHaveLength(1);
  expect(await kb.revisions(`${folder}/${voidDocs[0]!}`), 'VOID document commits').toBe(1);
  for (const h of hosts) expect(await unpushed(h), 'unpushed commits on a host').toBe('');
  const again = parsed(await runCli(host, ['cut', '--document-id', LAW, '--json']), 'cut');
  expect(again.code, again.message).toBe('AWAITING_SG1');
  expect(again.run_id).not.toBe(runId);
}

/** A team for one case, and how to throw it away. */
export type FreshTeam = () => Promise<{ hosts: CutWorkspace[]; sovereignKey: string; dispose(): Promise<void> }>;

/**
 * The void's part of the matrix: an uncrashed void of a run at SG2 (traced) gives the `void/*`
 * points; a second run's void is killed at each of them in turn ({@link voidChain}) and must end
 * as the uncrashed one did ({@link expectVoided}). Records a verdict per kill.
 */
export async function killVoid(freshTeam: FreshTeam, verdicts: Verdicts): Promise<void> {
  const traced = await freshTeam();
  let points: string[];
  try {
    const runId = await runToSg2(traced.hosts[0]!, traced.sovereignKey);
    const uncrashed = await voidChain(traced.hosts, traced.sovereignKey, runId, []);
    await expectVoided(traced.hosts, uncrashed.host, runId);
    points = uncrashed.passed.filter((p) => p.startsWith('void/'));
    expect(points.length, uncrashed.passed.join(', ')).toBeGreaterThan(0);
  } finally {
    await traced.dispose();
  }
  const team = await freshTeam();
  try {
    const runId = await runToSg2(team.hosts[0]!, team.sovereignKey);
    const chain = await voidChain(team.hosts, team.sovereignKey, runId, points);
    expect(chain.unreached, chain.log.join('\n')).toEqual([]);
    for (const kill of chain.kills) verdicts.set(kill.point, 'reached');
    await expectVoided(team.hosts, chain.host, runId);
    for (const kill of chain.kills) verdicts.set(kill.point, `recovered in the void chain on host ${kill.host}`);
    process.stdout.write(`void chain: ${chain.log.join(', ')}\n`);
  } finally {
    await team.dispose();
  }
}
