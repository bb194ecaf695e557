/**
 * Benchmark of the internal gates (issue 11 "cheap internal gates"), run from the compiled JS by
 * `npm run bench:gate`: GDPR (../shared/corpus) cut to the end on real PostgreSQL (a throwaway
 * database), `cut` → `approve` → `resume` → `approve` → `resume`, in process.
 *
 * Each pair runs the whole GDPR run twice, interleaved: once with the gate as it was before issue
 * 11 (the baseline, kept reachable only here: re-plan the source from scratch, read every IU row
 * back — `baselineGateChecks`) and once with the product's gate (`gateChecks`: memoized plan, one
 * server-side aggregate over the IU rows). The `internalGate` actor is replaced by one that times
 * the gate and stops with STOP_DRIFT on a failed check, as the product's does. Printed per run:
 * the whole run's wall time, the gates' time and share; then per-column medians over the pairs and
 * the ratio of the gates' time baseline / product. Finally one gate on the finished run, by part
 * (source, KB documents, backup, DB), baseline vs product, interleaved, medians.
 *
 * Not a vitest test: no timed assertions in tests. `--pairs N` (default 3), `--gates N` (default 5).
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fromPromise } from 'xstate';
import { loadKeyring } from '../../src/approval/loadKeyring.js';
import { approve } from '../../src/commands/approve.js';
import { cut } from '../../src/commands/cut.js';
import { documentAdd } from '../../src/commands/documentAdd.js';
import { init } from '../../src/commands/init.js';
import type { Config } from '../../src/config/configSchema.js';
import { CONFIG_FILE, loadConfig } from '../../src/config/loadConfig.js';
import { resume } from '../../src/commands/resume.js';
import { manifestDigest } from '../../src/cutter/manifestDigest.js';
import { markRegion } from '../../src/cutter/markRegion.js';
import { planCut } from '../../src/cutter/planCut.js';
import { writerDigest } from '../../src/cutter/writerDigest.js';
import type { Database } from '../../src/db/Database.js';
import { migrate } from '../../src/db/migrate.js';
import { openPostgres } from '../../src/db/openPostgres.js';
import { loadDocument } from '../../src/documents/loadDocument.js';
import { StopError } from '../../src/errors.js';
import { checkBackupEvidence } from '../../src/evidence/checkBackupEvidence.js';
import { compare, type Check } from '../../src/evidence/Check.js';
import { checkDatabaseEvidence } from '../../src/evidence/checkDatabaseEvidence.js';
import { failedChecks, describeFailures } from '../../src/evidence/checkEvidence.js';
import { checkKbEvidence } from '../../src/evidence/checkKbEvidence.js';
import { checkSourceEvidence } from '../../src/evidence/checkSourceEvidence.js';
import { evidenceRunOf, type EvidenceRun, type EvidenceSources } from '../../src/evidence/EvidenceRun.js';
import type { KbStore } from '../../src/kb/KbStore.js';
import { openKb } from '../../src/kb/openKb.js';
import { gateChecks } from '../../src/orchestrator/internalGate.js';
import type { PhaseDeps } from '../../src/orchestrator/PhaseDeps.js';
import { packageRoot } from '../../src/packageRoot.js';
import { readSidecar } from '../../src/sidecar/readSidecar.js';
import { STEP_NAMES } from '../../machines/steps.js';
import type { PhaseActorInput } from '../../machines/types.js';
import { hermeticGitEnv } from '../support/gitRepos.js';
import { createTestDatabase } from '../support/realPg.js';
import { makeSovereign, makeTempDir } from '../support/sovereignKeys.js';
import { countOptions } from './benchArgs.js';

/** GDPR as the tests cut it (test/support/buildRun.ts CORPUS_DOCUMENTS; that module needs vitest). */
const GDPR = {
  lawId: 'eu-gdpr',
  docPrefix: 'EU-GDPR',
  title: 'General Data Protection Regulation',
  source: path.resolve(packageRoot(), '..', 'shared', 'corpus', 'gdpr', 'source.txt'),
  vocab: 'eu-regulation-eurlex',
};

/** A workspace made by `orchestrate init` on PostgreSQL, as buildRun.ts makes one (its KB hermetic to `root`). */
interface RunWorkspace {
  root: string;
  config: Config;
  kb: KbStore;
  sovereignKeyFile: string;
}

const WORKSPACE_YAML = [
  'kb:', '  dir: kb', '  retry_min_ms: 0', 'sidecars:', '  dir: sidecars', 'keyring:', '  dir: keyring',
  'backup:', '  recipients: [keyring/sovereign.pub.asc]', 'actor: bench@bench-host', '',
].join('\n');

async function createRunWorkspace(databaseUrl: string): Promise<RunWorkspace> {
  const root = await makeTempDir('bench-gate-');
  const env = { PATH: process.env['PATH'], HOME: process.env['HOME'], DATABASE_URL: databaseUrl };
  const sovereign = await makeSovereign({ name: 'Bench Sovereign' });
  await writeFile(path.join(root, CONFIG_FILE), WORKSPACE_YAML);
  await init({ dir: root, cwd: root, env });
  await writeFile(path.join(root, 'keyring', 'sovereign.pub.asc'), sovereign.publicKeyArmored);
  await mkdir(path.join(root, 'sovereign'));
  const sovereignKeyFile = path.join(root, 'sovereign', 'sovereign.sec.asc');
  await writeFile(sovereignKeyFile, sovereign.privateKeyArmored, { mode: 0o600 });
  const config = await loadConfig({ workspace: root, env });
  const kb = await openKb({ dir: config.kbDir, retry: { minTimeout: 0 }, env: hermeticGitEnv(root) });
  return { root, config, kb, sovereignKeyFile };
}

type Gate = (deps: PhaseDeps, input: PhaseActorInput) => Promise<Check[]>;

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

/** The evidence run and sources the product's gate builds (internalGate.ts), for the baseline. */
function gateInputs(deps: PhaseDeps, { context }: PhaseActorInput): { run: EvidenceRun; sources: EvidenceSources } {
  const uploads = STEP_NAMES.flatMap((step) => context.uploads[step] ?? []);
  const run = evidenceRunOf({ ...deps.run, pins: context.pins, uploads, approvals: context.approvals, state: 'running' });
  return { run, sources: { kbDir: deps.config.kbDir, kb: deps.kb, sidecarsDir: deps.config.sidecarsDir, db: deps.db } };
}

/**
 * The source part of the gate before issue 11: load, hash, MARK, manifest digest, CUTPLAN and
 * writer digest from scratch every time (live source only, as the gate has no KB history).
 */
function baselineSourceChecks(run: EvidenceRun, sources: EvidenceSources): { checks: Check[]; planned?: number } {
  const doc = loadDocument(sources.kbDir, run.law_id);
  const checks = [compare('source.version', run.source_version_id, doc.sourceVersionId, 'source bytes changed')];
  if (doc.sourceVersionId !== run.source_version_id) return { checks };
  const p = run.pins;
  const mark = markRegion(doc.sourceBytes, doc.vocab, { file: doc.sourcePath });
  if (p.manifest_digest !== undefined) {
    const digest = manifestDigest({ document_id: run.law_id, source_version_id: run.source_version_id, region: { start: mark.start, end: mark.end }, vocab: doc.vocab });
    checks.push(compare('source.manifest_digest', p.manifest_digest, digest, 'manifest digest changed'));
  }
  if (p.region_sha !== undefined) checks.push(compare('source.region_sha', p.region_sha, mark.regionSha, 'region changed'));
  if (p.writer_digest === undefined && p.change_set_id === undefined) return { checks };
  const plan = planCut(mark, doc.vocab, { documentId: doc.document.law_id, docPrefix: doc.document.doc_prefix, sourceVersionId: run.source_version_id });
  if (p.writer_digest !== undefined) checks.push(compare('source.writer_digest', p.writer_digest, writerDigest(plan), 'plan changed'));
  return { checks, planned: plan.length };
}

/** Time of each part of one gate, ms. */
interface Parts { source: number; kb: number; backup: number; db: number }

/** The gate before issue 11: the same groups, source re-planned, IU rows read back (`verify` mode). */
async function baselineGateParts(deps: PhaseDeps, input: PhaseActorInput, parts?: Parts): Promise<Check[]> {
  if (input.context.completed.length === 0) return [];
  const { run, sources } = gateInputs(deps, input);
  let t = performance.now();
  const lap = (part: keyof Parts): void => {
    const now = performance.now();
    if (parts !== undefined) parts[part] += now - t;
    t = now;
  };
  const source = baselineSourceChecks(run, sources);
  lap('source');
  const kb = await checkKbEvidence(run, sources);
  lap('kb');
  const backup = await checkBackupEvidence(run, sources);
  lap('backup');
  const db = await checkDatabaseEvidence(run, sources.db, source.planned, { mode: 'verify' });
  lap('db');
  return [...source.checks, ...kb, ...backup, ...db.checks];
}

/** The product's gate by part (the same calls as `checkEvidence` in `gate` mode). */
async function productGateParts(deps: PhaseDeps, input: PhaseActorInput, parts: Parts): Promise<Check[]> {
  if (input.context.completed.length === 0) return [];
  const { run, sources } = gateInputs(deps, input);
  let t = performance.now();
  const lap = (part: keyof Parts): void => {
    const now = performance.now();
    parts[part] += now - t;
    t = now;
  };
  const source = await checkSourceEvidence(run, sources);
  lap('source');
  const kb = await checkKbEvidence(run, sources);
  lap('kb');
  const backup = await checkBackupEvidence(run, sources);
  lap('backup');
  const db = await checkDatabaseEvidence(run, sources.db, source.plan?.length, { mode: 'gate' });
  lap('db');
  return [...source.checks, ...kb, ...backup, ...db.checks];
}

/** One whole run's timing, and the last gate's deps and input (the gate before the last step). */
interface RunTiming { totalMs: number; gateMs: number; gates: number; units: number; last?: { deps: PhaseDeps; input: PhaseActorInput } }

/** Phase deps for the timed gate: the workspace's config and KB, the bench's own DB handle, the run read from its sidecar. */
async function depsFor(ws: RunWorkspace, db: Database, runId: string): Promise<PhaseDeps> {
  const { sidecar } = await readSidecar(ws.config.sidecarsDir, runId);
  const { run_id, document_id, law_id, doc_prefix, source_version_id, kb_folder, actor } = sidecar;
  return {
    config: ws.config,
    db,
    kb: ws.kb,
    run: { run_id, document_id, law_id, doc_prefix, source_version_id, kb_folder, actor },
    keyring: () => loadKeyring(ws.config.keyringDir, { kbRoot: ws.config.kbDir }),
    clock: () => new Date(),
    progress: { stepStarted: () => undefined, stepDone: () => undefined, stepFailed: () => undefined },
  };
}

/** Runs GDPR to the end in `ws` with `gate` as the internal gate; returns the run's and the gates' time. */
async function timedRun(ws: RunWorkspace, db: Database, gate: Gate): Promise<RunTiming> {
  const timing: RunTiming = { totalMs: 0, gateMs: 0, gates: 0, units: 0 };
  const deps = new Map<string, Promise<PhaseDeps>>();
  const internalGate = fromPromise<unknown, PhaseActorInput>(async ({ input }) => {
    let d = deps.get(input.context.run_id);
    if (d === undefined) deps.set(input.context.run_id, (d = depsFor(ws, db, input.context.run_id)));
    const phaseDeps = await d;
    timing.last = { deps: phaseDeps, input };
    const t = performance.now();
    const failed = failedChecks(await gate(phaseDeps, input));
    timing.gateMs += performance.now() - t;
    timing.gates++;
    if (failed.length > 0) throw new StopError('STOP_DRIFT', `drift before ${input.step}: ${describeFailures(failed)}`, { runId: input.context.run_id });
    return undefined;
  });
  const base = { config: ws.config, progress: { stepStarted: () => undefined, stepDone: () => undefined, stepFailed: () => undefined }, actorOverrides: { internalGate } };
  const lawId = GDPR.lawId;
  const t0 = performance.now();
  const first = await cut({ ...base, documentId: lawId });
  if (first.code !== 'AWAITING_SG1') throw new Error(`cut ended with ${first.code ?? 'done'}: ${first.message}`);
  for (const gateName of ['SG1', 'SG2'] as const) {
    await approve({ config: ws.config, cwd: ws.root, runId: first.run_id, gate: gateName, keyFile: ws.sovereignKeyFile, kb: ws.kb });
    const o = await resume({ ...base, runId: first.run_id });
    const want = gateName === 'SG1' ? 'AWAITING_SG2' : null;
    if (o.code !== want) throw new Error(`resume after ${gateName} ended with ${o.code ?? 'done'}: ${o.message}`);
  }
  timing.totalMs = performance.now() - t0;
  const { view } = await readSidecar(ws.config.sidecarsDir, first.run_id);
  if (view.state !== 'done') throw new Error(`the run ended ${view.state}`);
  const r = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM cutter.iu WHERE change_set_id = $1', [view.pins.change_set_id]);
  timing.units = Number(r.rows[0]?.n ?? 0);
  return timing;
}

/** A fresh workspace with GDPR added (through the real `document add`), on a fresh PostgreSQL database. */
async function freshWorkspace(): Promise<{ ws: RunWorkspace; db: Database; drop: () => Promise<void> }> {
  const testDb = await createTestDatabase();
  const ws = await createRunWorkspace(testDb.url);
  const doc = GDPR;
  await documentAdd({ cwd: ws.root, kbDir: ws.config.kbDir, lawId: doc.lawId, docPrefix: doc.docPrefix, title: doc.title, source: doc.source, vocab: doc.vocab, kb: ws.kb });
  const db = await openPostgres(testDb.url);
  // Migrations are not part of the run being timed (`cut` finds nothing pending).
  await migrate(db);
  return {
    ws,
    db,
    drop: async () => {
      await db.close();
      await rm(ws.root, { recursive: true, force: true });
      await testDb.drop();
    },
  };
}

const pad = (s: string | number, n: number): string => String(s).padStart(n);

async function main(): Promise<void> {
  const { pairs, gates: gateRuns } = countOptions({ pairs: 3, gates: 5 });
  const lines = [
    `GDPR on real PostgreSQL, whole run (cut + approve + resume + approve + resume) in process; ${pairs} interleaved pair(s). ms, wall clock.`,
    'run                     total ms  gates ms  gates  share   IUs',
  ];
  const baselineShares: number[] = [];
  const productShares: number[] = [];
  const gateRatios: number[] = [];
  const totals: { baseline: number[]; product: number[] } = { baseline: [], product: [] };
  let last: { ws: RunWorkspace; db: Database; drop: () => Promise<void> } | undefined;
  let lastGate: RunTiming['last'];
  for (let i = 0; i < pairs; i++) {
    const order: ('baseline' | 'product')[] = i % 2 === 0 ? ['baseline', 'product'] : ['product', 'baseline'];
    const pair: Partial<Record<'baseline' | 'product', RunTiming>> = {};
    for (const which of order) {
      const fresh = await freshWorkspace();
      const t = await timedRun(fresh.ws, fresh.db, which === 'baseline' ? (d, inp) => baselineGateParts(d, inp) : gateChecks);
      pair[which] = t;
      lastGate = t.last;
      lines.push(`${`${which} #${i + 1}`.padEnd(22)} ${pad(t.totalMs.toFixed(0), 9)} ${pad(t.gateMs.toFixed(0), 9)} ${pad(t.gates, 6)} ${pad(`${((t.gateMs / t.totalMs) * 100).toFixed(1)}%`, 6)} ${pad(t.units, 5)}`);
      process.stderr.write(`${lines.at(-1) ?? ''}\n`);
      if (last !== undefined) await last.drop();
      last = fresh;
    }
    const b = pair.baseline as RunTiming;
    const p = pair.product as RunTiming;
    baselineShares.push(b.gateMs / b.totalMs);
    productShares.push(p.gateMs / p.totalMs);
    gateRatios.push(b.gateMs / p.gateMs);
    totals.baseline.push(b.totalMs);
    totals.product.push(p.totalMs);
  }
  lines.push(
    `median: gates' share of the run: baseline ${(median(baselineShares) * 100).toFixed(1)}%, product ${(median(productShares) * 100).toFixed(1)}% (target <= 15%)`,
    `median: whole run baseline ${median(totals.baseline).toFixed(0)} ms, product ${median(totals.product).toFixed(0)} ms; all gates of a run baseline / product = ${median(gateRatios).toFixed(2)}x`,
  );

  if (last !== undefined && lastGate !== undefined) {
    // One gate on the finished run, as before its last step (every document but the last uploaded): the most expensive one.
    const { deps, input } = lastGate;
    const uploads = STEP_NAMES.filter((step) => input.context.uploads[step] !== undefined).length;
    const parts = { baseline: [] as Parts[], product: [] as Parts[] };
    for (let i = 0; i < gateRuns; i++) {
      for (const which of i % 2 === 0 ? ['baseline', 'product'] as const : ['product', 'baseline'] as const) {
        const p: Parts = { source: 0, kb: 0, backup: 0, db: 0 };
        const failed = failedChecks(which === 'baseline' ? await baselineGateParts(deps, input, p) : await productGateParts(deps, input, p));
        if (failed.length > 0) throw new Error(`the ${which} gate failed on the finished run: ${describeFailures(failed)}`);
        parts[which].push(p);
      }
    }
    const m = (xs: Parts[], k: keyof Parts | 'total'): number => median(xs.map((p) => (k === 'total' ? p.source + p.kb + p.backup + p.db : p[k])));
    lines.push(`one gate before ${input.step} (${uploads} documents uploaded), ${gateRuns} interleaved pair(s), median ms:`, 'part        baseline   product   ratio');
    for (const k of ['source', 'kb', 'backup', 'db', 'total'] as const) {
      const b = m(parts.baseline, k);
      const p = m(parts.product, k);
      lines.push(`${k.padEnd(10)} ${pad(b.toFixed(1), 9)} ${pad(p.toFixed(1), 9)} ${pad(`${(b / p).toFixed(2)}x`, 7)}`);
    }
    await last.drop();
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exitCode = 1;
});
