/**
 * Crash-and-resume helpers: the compiled CLI killed at a failpoint, then the run driven to done
 * in-process, and the invariants after it (no duplicate row, every KB path at 1 revision, verify).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { openDatabase } from '../../src/db/openDatabase.js';
import { openKb } from '../../src/kb/openKb.js';
import { liveDocument } from '../../src/orchestrator/liveDocument.js';
import { resume } from '../../src/commands/resume.js';
import type { RunOutcome } from '../../src/orchestrator/runOutcome.js';
import { packageRoot } from '../../src/packageRoot.js';
import { listSidecars } from '../../src/sidecar/listSidecars.js';
import { verifyRun } from '../../src/verify/verifyRun.js';
import { recordingProgress, type CutWorkspace } from './cutWorkspace.js';

const run = promisify(execFile);
const bin = path.join(packageRoot(), 'dist', 'src', 'cli.js');
export const LAW = 'readers';

/** Runs the compiled CLI in the workspace with a failpoint set; resolves with how it ended. */
export async function cliWithFailpoint(ws: CutWorkspace, args: string[], failpoint: string): Promise<{ signal: string | null; code: number | null; stderr: string }> {
  try {
    const r = await run(process.execPath, [bin, '-w', ws.dir, ...args], { env: { ...ws.env, ORCHESTRATE_FAILPOINT: failpoint } });
    return { signal: null, code: 0, stderr: r.stderr };
  } catch (err) {
    const e = err as { signal: string | null; code: number | null; stderr: string };
    return { signal: e.signal, code: e.code, stderr: e.stderr };
  }
}

/** Resumes (approving at each gate) until the run is done. */
export async function driveToDone(ws: CutWorkspace, runId: string): Promise<RunOutcome> {
  for (let i = 0; i < 6; i++) {
    const o = await resume({ config: ws.config, runId, progress: recordingProgress() });
    if (o.code === null) return o;
    if (o.code === 'AWAITING_SG1' || o.code === 'AWAITING_SG2') await ws.approve(runId, o.code === 'AWAITING_SG1' ? 'SG1' : 'SG2');
    else throw new Error(`unexpected stop ${o.code}: ${o.message}`);
  }
  throw new Error('run did not finish');
}

export async function onlyRunId(ws: CutWorkspace): Promise<string> {
  const { runs } = await listSidecars(ws.config.sidecarsDir);
  expect(runs.length).toBe(1);
  return runs[0]!.run_id;
}

export async function assertClean(ws: CutWorkspace, runId: string): Promise<void> {
  const db = await openDatabase(ws.config);
  try {
    const cs = await db.query<{ n: string }>('SELECT count(*) AS n FROM cutter_governance.cut_change_set WHERE document_id = $1', [LAW]);
    expect(cs.rows[0]?.n).toBe('1');
    const ius = await db.query<{ n: string; d: string }>('SELECT count(*) AS n, count(DISTINCT canonical_address) AS d FROM cutter.iu WHERE document_id = $1', [LAW]);
    const planned = liveDocument(ws.config.kbDir, LAW).plan().length;
    expect(ius.rows[0]).toEqual({ n: String(planned), d: String(planned) });
  } finally {
    await db.close();
  }
  const kb = await openKb({ dir: ws.config.kbDir });
  const sidecar = (await listSidecars(ws.config.sidecarsDir)).runs[0]!;
  const files = await kb.list(sidecar.kb_folder);
  expect(files.length).toBe(15);
  for (const f of files) expect(await kb.revisions(`${sidecar.kb_folder}/${f}`), f).toBe(1);
  const audit = await verifyRun({ config: ws.config, runId });
  expect(audit.checks.filter((c) => !c.ok)).toEqual([]);
}

