import { expect, test } from 'vitest';
import { makeCutWorkspace } from '../../support/cutWorkspace.js';
import { runCli } from '../../support/stopHelpers.js';

// Issue 12: the run id as an argument or --run-id, whole or as a unique prefix (like git's short ids),
// on the compiled CLI. The KB's run folder makes the run known even where its sidecar is not.
test('status, resume and verify take the run id as an argument or a unique prefix; two different ids are refused', async () => {
  const ws = await makeCutWorkspace({ laws: ['readers'] });
  const cut = await runCli(ws, ['cut', '--document-id', 'readers', '--json']);
  expect(cut.code, cut.stderr).toBe(10);
  const runId = (JSON.parse(cut.stdout) as { run_id: string }).run_id;
  const prefix = runId.replace(/-/g, '').slice(0, 12);

  const status = await runCli(ws, ['status', prefix, '--json']);
  expect(status.code, status.stderr).toBe(0);
  expect(JSON.parse(status.stdout)).toMatchObject({ run_id: runId, state: 'awaiting_sg1' });

  const resumed = await runCli(ws, ['resume', runId.slice(0, 13), '--json']);
  expect(resumed.code, resumed.stderr).toBe(10);
  expect(JSON.parse(resumed.stdout)).toMatchObject({ run_id: runId, code: 'AWAITING_SG1' });

  const both = await runCli(ws, ['status', prefix, '--run-id', '0'.repeat(32), '--json']);
  expect(both.code).toBe(2);
  expect(JSON.parse(both.stdout)).toMatchObject({ code: 'STOP_INPUT', message: expect.stringContaining('two run ids given') });

  const none = await runCli(ws, ['verify', '--json']);
  expect(none.code).toBe(2);
  expect(JSON.parse(none.stdout)).toMatchObject({ code: 'STOP_INPUT', message: 'no run id given', next: expect.stringContaining('--run-id') });

  const unknown = await runCli(ws, ['resume', 'abcdef12']);
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toContain('no run id starts with "abcdef12"');
});
