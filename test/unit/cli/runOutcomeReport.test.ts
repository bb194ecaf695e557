import { describe, expect, test } from 'vitest';
import { formatRunOutcome, runOutcomeReport, type RunStopJson } from '../../../src/cli/formatRunOutcome.js';
import type { RunOutcome } from '../../../src/orchestrator/runOutcome.js';
import { STOP_REPORT_KEYS } from '../../../src/stops/stopReport.js';

const RUN = '01900000-0000-7000-8000-000000000001';

function outcome(over: Partial<RunOutcome>): RunOutcome {
  return {
    run_id: RUN,
    document_id: 'us-const',
    state: 'stopped',
    code: 'STOP_KB_UPLOAD',
    message: 'source_pin: uploading x.md failed after 4 attempts',
    exitCode: 20,
    kb_folder: 'knowledge/dev/laws/us-const/v0123-automation-cut-20260520',
    replayed_from: null,
    keys: { source_pin: 'k1' } as RunOutcome['keys'],
    pins: {} as RunOutcome['pins'],
    stop: { step: 'mark', written: ['row A'], not_written: ['x.md'], next: null },
    ...over,
  };
}

describe('runOutcomeReport: a machine stop renders like a thrown error', () => {
  test('the stop keys first, then the run fields; the code default next when the step gave none', () => {
    const r = runOutcomeReport(outcome({}));
    expect(r.exitCode).toBe(20);
    expect(Object.keys(r.json).slice(0, STOP_REPORT_KEYS.length)).toEqual([...STOP_REPORT_KEYS]);
    expect(r.json).toMatchObject({
      ok: false, code: 'STOP_KB_UPLOAD', exit_code: 20, run_id: RUN, step: 'mark', written: ['row A'], not_written: ['x.md'],
      runbook: 'runbooks/README.md#stop_kb_upload', next: `fix the KB remote (or remove the secret the scanner named), then orchestrate resume --run-id ${RUN}`,
      where: null, issues: [], state: 'stopped', document_id: 'us-const', keys: { source_pin: 'k1' },
    });
  });

  test('the text names the code, the run, what was written and the runbook (DESIGN §8)', () => {
    const text = formatRunOutcome(outcome({ pins: { change_set_id: 'cs-1' } as RunOutcome['pins'] }));
    expect(text.split('\n')).toEqual([
      'stopped STOP_KB_UPLOAD: source_pin: uploading x.md failed after 4 attempts',
      `run_id: ${RUN}`,
      'kb folder: knowledge/dev/laws/us-const/v0123-automation-cut-20260520',
      'change_set_id: cs-1',
      'written so far (phase keys persisted): source_pin',
      'stopped in: mark',
      'written by mark: row A',
      'not written: x.md',
      'runbook: runbooks/README.md#stop_kb_upload',
      `next: fix the KB remote (or remove the secret the scanner named), then orchestrate resume --run-id ${RUN}`,
    ]);
  });

  test('a gate pause is exit 10 with the approve command; a summary code gets its own runbook', () => {
    const paused = runOutcomeReport(outcome({ code: 'AWAITING_SG2', state: 'awaiting_sg2', exitCode: 10, stop: { step: 'SG2', written: null, not_written: null, next: null } }));
    expect(paused.exitCode).toBe(10);
    expect(paused.json).toMatchObject({ code: 'AWAITING_SG2', next: `a sovereign runs orchestrate approve --run-id ${RUN} --gate SG2 --key FILE; then orchestrate resume --run-id ${RUN}` });
    expect(paused.text).toMatch(/^paused AWAITING_SG2: /);
    const between = runOutcomeReport(outcome({ code: 'STOP_BETWEEN_LEG_A_AND_LEG_B', stop: { step: 'leg_b_record', written: null, not_written: null, next: null } }));
    expect((between.json as RunStopJson).runbook).toBe('runbooks/README.md#stop_between_leg_a_and_leg_b');
  });

  test('credentials in a stop message and next are scrubbed', () => {
    const r = runOutcomeReport(outcome({ message: 'push to https://bot:ghp_SECRETTOKEN@git.example/kb.git failed', stop: { step: 'mark', written: null, not_written: null, next: 'check postgres://u:pw-123@db/x' } }), ['pw-123']);
    const all = JSON.stringify(r.json) + r.text;
    expect(all).not.toContain('ghp_SECRETTOKEN');
    expect(all).not.toContain('pw-123');
    expect((r.json as RunStopJson).next).toBe('check postgres://u:***@db/x');
  });

  test('a finished run: ok true, exit 0, no stop keys', () => {
    const r = runOutcomeReport(outcome({ code: null, state: 'done', exitCode: 0, message: `run ${RUN} is complete`, stop: null }));
    expect(r).toMatchObject({ exitCode: 0, json: { ok: true, code: null, exit_code: 0, run_id: RUN, state: 'done' } });
    expect(r.text.split('\n')[0]).toBe(`done: run ${RUN} is complete`);
    // every outcome names what to run next: for a finished run, the auditor's check
    expect(r.json).toMatchObject({ next: `orchestrate verify ${RUN}` });
    expect(r.text.split('\n').at(-1)).toBe(`next: orchestrate verify ${RUN}`);
  });
});
