import { expect, test } from 'vitest';
import { describeEachDatabase } from '../../support/engineUrls.js';
import { makeCutWorkspace, recordingProgress } from '../../support/cutWorkspace.js';
import { cut } from '../../../src/commands/cut.js';
import { LAW, assertClean, cliWithFailpoint, driveToDone } from '../../support/crashScenario.js';

const AFTER_SG1 = [
  ['inside leg A, before its commit', 'leg_a.inside_txn'],
  ['after the leg A commit, before the sidecar write', 'cut_leg_a/db.commit.after'],
  ['between leg A and leg B', 'leg_b_record/sidecar.write.after'],
  ['after the leg B commit', 'leg_b_record/db.commit.after'],
] as const;

describeEachDatabase('crash after SG1 (SIGKILL at a failpoint) and resume', (engine) => {
  const workspace = () => makeCutWorkspace({ laws: [LAW], ...(engine.url() === undefined ? {} : { databaseUrl: engine.url() }) });

  for (const [what, failpoint] of AFTER_SG1) {
    test(`${what} (${failpoint}): resume completes, no duplicate row, every KB path at 1 revision`, async () => {
      const ws = await workspace();
      const first = await cut({ config: ws.config, documentId: LAW, progress: recordingProgress() });
      expect(first.code).toBe('AWAITING_SG1');
      await ws.approve(first.run_id, 'SG1');
      const crashed = await cliWithFailpoint(ws, ['resume', '--run-id', first.run_id], failpoint);
      expect(crashed.signal).toBe('SIGKILL');
      await driveToDone(ws, first.run_id);
      await assertClean(ws, first.run_id);
    });
  }
}, { perTest: true });
