/**
 * Benchmark of KB uploads (issue 11), run from the compiled JS by `npm run bench:upload`.
 *
 * Case: the 13 documents of a run folder (report-sized, 1.5–8 KB) uploaded through the real store
 * ({@link openKb} → `upload`, no remote) into a fresh KB, against a baseline measured in the same
 * run: the same 13 files written and committed with a bare `git add <file>` + `git commit -m` each
 * into another fresh repository. Pairs are interleaved (store then bare, bare then store, …) and
 * the medians of ≥ 3 pairs are compared. Target: store ≤ 1.5× the bare commits.
 *
 * Git process counts come from a PATH shim: a `git` script first on PATH that appends one line
 * per invocation to a log and execs the real git. It sees the processes the orchestrator starts
 * (not the ones git starts itself, such as the bare commit's `maintenance run --auto`, which git
 * launches by absolute path). Printed: processes per upload, and the processes of one internal
 * gate's KB check ({@link checkKbEvidence}) over the 13 documents.
 *
 * Not a vitest test: no timed assertions in unit tests.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkKbEvidence } from '../../src/evidence/checkKbEvidence.js';
import type { EvidenceRun } from '../../src/evidence/EvidenceRun.js';
import { openKb } from '../../src/kb/openKb.js';
import { RUN_DOCUMENT_KEYS, runDocumentName } from '../../src/kb/runDocuments.js';
import { countOptions } from './benchArgs.js';
import { bareCommits, countBy, gitShim, logLines, median, realGitPath, subcommand, type BenchDoc } from './benchCommon.js';

/** Report sizes in bytes, in upload order (about what a small statute's run writes; cutplan larger). */
const SIZES = [1737, 1552, 8192, 1636, 5491, 1715, 2155, 2250, 1880, 2132, 1918, 2472, 4772];
const FOLDER = 'knowledge/dev/laws/bench/v0123456789abcdef-automation-cut-20260101';

/** The 13 run documents with deterministic markdown bodies of the sizes above. */
function documents(salt: string): BenchDoc[] {
  return RUN_DOCUMENT_KEYS.map((key, index) => {
    const head = `# ${key} · ${salt}\n\n`;
    const line = `| ${key} | row | ${salt} | lorem ipsum dolor sit amet |\n`;
    const size = SIZES[index] ?? 2000;
    const text = head + line.repeat(Math.max(1, Math.ceil((size - head.length) / line.length)));
    return { path: `${FOLDER}/${runDocumentName(key, '20260101')}`, text: text.slice(0, size) };
  });
}

/** Environment of every git process here: hermetic HOME, nothing inherited but PATH. */
function gitEnv(home: string, pathVar: string): Record<string, string> {
  return { PATH: pathVar, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), LANG: 'C', LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0' };
}

/** 13 uploads through the store into a fresh KB; returns ms for the uploads (not the open). */
async function storeCase(dir: string, env: Record<string, string>, docs: BenchDoc[]): Promise<number> {
  const kb = await openKb({ dir, env });
  const t0 = performance.now();
  for (const doc of docs) await kb.upload(doc.path, doc.text, `bench: ${path.posix.basename(doc.path)}`);
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const { pairs } = countOptions({ pairs: 5 }, 3);
  const root = mkdtempSync(path.join(tmpdir(), 'bench-upload-'));
  try {
    const realGit = await realGitPath();
    const env = gitEnv(root, process.env['PATH'] ?? '/usr/bin:/bin');
    const store: number[] = [];
    const bare: number[] = [];
    const out: string[] = [`${pairs} interleaved pairs; 13 report-sized documents (${SIZES.reduce((a, b) => a + b, 0)} bytes) each; no remote.`];
    out.push('pair   store ms   bare ms   ratio');
    for (let i = 0; i < pairs; i++) {
      const docs = documents(`pair-${i}`);
      const s = () => storeCase(path.join(root, `store-${i}`), env, docs).then((ms) => void store.push(ms));
      const b = () => bareCommits(path.join(root, `bare-${i}`), env, docs).then((ms) => void bare.push(ms));
      if (i % 2 === 0) await s().then(b);
      else await b().then(s);
      out.push(`${String(i + 1).padStart(4)} ${store[i]!.toFixed(0).padStart(10)} ${bare[i]!.toFixed(0).padStart(9)} ${(store[i]! / bare[i]!).toFixed(2).padStart(7)}`);
    }
    const ratio = median(store) / median(bare);
    out.push(`median ${median(store).toFixed(0).padStart(8)} ${median(bare).toFixed(0).padStart(9)} ${ratio.toFixed(2).padStart(7)}   (target <= 1.5)`);
    out.push(`median of per-pair ratios ${median(store.map((v, i) => v / bare[i]!)).toFixed(2)}`);

    // Process counts through the shim (one untimed pass each).
    const shim = gitShim(root, realGit);
    const shimEnv = gitEnv(root, `${shim.dir}:${env['PATH']!}`);
    const docs = documents('counted');
    const kb = await openKb({ dir: path.join(root, 'counted'), env: shimEnv });
    const opened = logLines(shim.log).length;
    const uploads = [];
    for (const doc of docs) uploads.push(await kb.upload(doc.path, doc.text, `bench: ${path.posix.basename(doc.path)}`));
    const uploadCalls = logLines(shim.log).slice(opened);
    out.push(`git processes: open ${opened}; 13 uploads ${uploadCalls.length} (${(uploadCalls.length / 13).toFixed(2)} per upload: ${countBy(uploadCalls)})`);
    writeFileSync(shim.log, '');
    await bareCommits(path.join(root, 'counted-bare'), shimEnv, docs);
    const bareCalls = logLines(shim.log).filter((c) => subcommand(c) !== 'init');
    out.push(`git processes: bare baseline ${bareCalls.length} for 13 (${countBy(bareCalls)}; plus the maintenance git starts by itself after each commit)`);

    writeFileSync(shim.log, '');
    const evidenceRun: EvidenceRun = {
      run_id: 'bench',
      law_id: 'bench',
      source_version_id: '0123456789abcdef'.repeat(4),
      kb_folder: FOLDER,
      pins: {},
      uploads: uploads.map((u) => ({ path: u.path, sha256: u.sha256, commit: u.commit })),
    };
    const checks = await checkKbEvidence(evidenceRun, { kbDir: kb.dir, kb });
    const failed = checks.filter((c) => !c.ok);
    if (checks.length !== 13 || failed.length > 0) throw new Error(`gate KB check did not pass: ${JSON.stringify(failed)}`);
    const gateCalls = logLines(shim.log);
    out.push(`git processes: one internal gate's KB check of 13 documents ${gateCalls.length} (${countBy(gateCalls)})`);
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
