import { expect, test } from 'vitest';
import { describeEachDatabase } from '../../support/engineUrls.js';
import { makeCutWorkspace } from '../../support/cutWorkspace.js';
import { LAW, assertClean, cliWithFailpoint, driveToDone, onlyRunId } from '../../support/crashScenario.js';

const BEFORE_SG1 = [
  ['after the sidecar write, before the upload', 'cutplan/sidecar.write.after'],
  ['after the upload, before the sidecar write', 'cutplan/kb.commit.after'],
  // Issue 13: killed in the first step, before (or right after) its first snapshot: never stranded.
  ['in the first step, before its DB commit', 'source_pin/db.commit.before'],
  ['in the first step, after its DB commit', 'source_pin/db.commit.after'],
  ['after the first step\'s sidecar write', 'source_pin/sidecar.write.after'],
] as const;

describeEachDatabase('crash before SG1 (SIGKILL at a failpoint) and resume', (engine) => {
  const workspace = () => makeCutWorkspace({ laws: [LAW], ...(engine.url() === undefined ? {} : { databaseUrl: engine.url() }) });

  for (const [what, failpoint] of BEFORE_SG1) {
    // The first-step points are engine-independent (the sidecar and the KB): PGlite only, to keep the suite short.
    test.runIf(engine.engine === 'pglite' || !failpoint.startsWith('source_pin/'))(`${what} (${failpoint}): resume completes, no duplicate row, every KB path at 1 revision`, async () => {
      const ws = await workspace();
      const crashed = await cliWithFailpoint(ws, ['cut', '--document-id', LAW], failpoint);
      expect(crashed.signal).toBe('SIGKILL');
      const runId = await onlyRunId(ws);
      await driveToDone(ws, runId);
      await assertClean(ws, runId);
    });
  }

}, { perTest: true });
