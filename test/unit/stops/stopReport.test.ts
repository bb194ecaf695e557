import { describe, expect, test } from 'vitest';
import { InputError, StopError } from '../../../src/errors.js';
import { reportError } from '../../../src/cli/reportError.js';
import { DbUnavailable, KbSyncFailed, LegBAlreadyRecorded, LockHeld, UploadFailed } from '../../../src/stops/facts.js';
import { STOP_REPORT_KEYS, stopReport } from '../../../src/stops/stopReport.js';

const PASSWORD = 'Sup3r-S3cret_pw';
const TOKEN = 'ghp_T0kenT0kenT0ken';

describe('stopReport: one JSON shape for every stop and error', () => {
  const subjects: [string, unknown][] = [
    ['an InputError', new InputError('bad law-id', { file: 'orchestrate.yaml', line: 3, field: 'kb.dir' }, [{ path: 'kb.dir', message: 'must be a string' }])],
    ['a StopError', new StopError('STOP_GRANT_PROBE', 'role lacks INSERT', { runId: 'R', written: [], notWritten: ['cut leg A'] })],
    ['a fact', new UploadFailed('knowledge/x.md', 4, new Error('push rejected'))],
    ['an internal error', new TypeError('cannot read properties of undefined')],
    ['a machine stop', { code: 'AWAITING_SG1', message: 'waiting', runId: 'R', step: 'SG1' }],
  ];

  test.each(subjects)('%s has exactly the stop keys', (_label, subject) => {
    const r = stopReport(subject);
    expect(Object.keys(r.json)).toEqual([...STOP_REPORT_KEYS]);
    expect(r.json.ok).toBe(false);
    expect(r.json.exit_code).toBe(r.exitCode);
    expect(r.json.runbook).toMatch(/^runbooks\/README\.md#[a-z0-9_-]+$/);
    expect(typeof r.json.next).toBe('string');
    expect(Array.isArray(r.json.issues)).toBe(true);
  });

  test('codes, exit statuses and fields per kind', () => {
    const input = stopReport(subjects[0]![1]);
    expect(input.json).toMatchObject({ code: 'STOP_INPUT', exit_code: 2, where: { file: 'orchestrate.yaml', line: 3, field: 'kb.dir' }, issues: [{ path: 'kb.dir', message: 'must be a string' }], run_id: null, runbook: 'runbooks/README.md#stop_input' });
    expect(input.text).toMatch(/^error STOP_INPUT: bad law-id \(orchestrate\.yaml:3, field kb\.dir\)\n {2}kb\.dir: must be a string/);
    expect(input.text).not.toMatch(/\n\s+at /);

    const stop = stopReport(subjects[1]![1]);
    expect(stop.json).toMatchObject({ code: 'STOP_GRANT_PROBE', exit_code: 20, run_id: 'R', written: [], not_written: ['cut leg A'], where: null, issues: [] });
    expect(stop.text).toContain('written: nothing');

    const fact = stopReport(subjects[2]![1]);
    expect(fact.json).toMatchObject({ code: 'STOP_KB_UPLOAD', exit_code: 20, not_written: ['knowledge/x.md'], runbook: 'runbooks/README.md#stop_kb_upload', next: expect.stringMatching(/^fix the KB remote/) });

    const internal = stopReport(subjects[3]![1]);
    expect(internal.json).toMatchObject({ code: 'STOP_INTERNAL', exit_code: 1, message: 'cannot read properties of undefined', runbook: 'runbooks/README.md#stop_internal' });
    expect(internal.text).toMatch(/^internal error STOP_INTERNAL \(a bug/);
    expect(internal.text).toContain('at '); // the stack, for a bug report
    expect(JSON.stringify(internal.json)).not.toContain('    at ');

    const paused = stopReport(subjects[4]![1]);
    expect(paused.json).toMatchObject({ code: 'AWAITING_SG1', exit_code: 10, step: 'SG1', next: 'a sovereign runs orchestrate approve --run-id R --gate SG1 --key FILE; then orchestrate resume --run-id R' });
    expect(paused.text).toMatch(/^paused AWAITING_SG1: waiting\nrun_id: R\nstopped in: SG1\nrunbook: runbooks\/README\.md#awaiting_sg1--awaiting_sg2\nnext: /);
  });

  test('LegBAlreadyRecorded (a cross-host race) is STOP_REPLAY_CONFLICT, exit 20, naming the other run', () => {
    const r = reportError(new LegBAlreadyRecorded('cs-1', 'env-1', 'run-other'));
    expect(r.exitCode).toBe(20);
    expect(r.json).toMatchObject({ code: 'STOP_REPLAY_CONFLICT', exit_code: 20, runbook: 'runbooks/README.md#stop_replay_conflict' });
    expect(r.json.message).toContain('run-other');
    expect(r.json.next).toContain('orchestrate resume --run-id run-other');
  });

  test('a lock held names the holder in message and next', () => {
    const r = stopReport(new LockHeld({ file: '/ws/sidecars/R.lock', label: 'run R', runId: 'R', holder: { pid: 99, host: 'h2', started_at: '2026-05-20T10:00:00.000Z' }, why: 'other-host' }));
    expect(r.json).toMatchObject({ code: 'STOP_LOCKED', exit_code: 20, run_id: 'R', written: [], not_written: ['sidecar', 'KB', 'database'] });
    expect(r.json.message).toContain('pid 99 on host h2');
    expect(r.json.next).toBe('check pid 99 on host h2; remove /ws/sidecars/R.lock only when it is certainly stopped');
  });
});

describe('stopReport scrubs credentials from every string', () => {
  const dsn = `postgres://auditor:${PASSWORD}@db.example:5432/governed`;
  const url = `https://alice:${TOKEN}@git.example/kb.git`;

  test('a DSN password and URL credentials in message, written, not_written and next', () => {
    const r = stopReport(
      new StopError('STOP_DB', `cannot reach ${dsn} (also ${url}); password=${PASSWORD}`, { runId: 'R', written: [`pushed to ${url}`], notWritten: [`row via ${dsn}`], next: `check ${url} and ${dsn}` }),
      { secrets: [PASSWORD] },
    );
    const all = JSON.stringify(r.json) + r.text;
    expect(all).not.toContain(PASSWORD);
    expect(all).not.toContain(TOKEN);
    expect(r.json.message).toContain('postgres://auditor:***@db.example:5432/governed');
    expect(r.json.message).toContain('https://alice:***@git.example/kb.git');
    expect(r.json.next).toBe('check https://alice:***@git.example/kb.git and postgres://auditor:***@db.example:5432/governed');
  });

  test('a configured secret is scrubbed raw and URL-encoded, also from an internal error stack', () => {
    const secret = 'p@ss word';
    const r = reportError(new Error(`boom ${secret} ${encodeURIComponent(secret)}`), [secret]);
    expect(JSON.stringify(r.json) + r.text).not.toContain(secret);
    expect(JSON.stringify(r.json) + r.text).not.toContain(encodeURIComponent(secret));
  });

  test('facts mask credentials themselves, before any renderer', () => {
    expect(new KbSyncFailed(new Error(`fatal: unable to access '${url}/': 403`)).message).not.toContain(TOKEN);
    expect(new UploadFailed('x.md', 4, new Error(`push to ${url} failed`)).message).not.toContain(TOKEN);
    expect(new DbUnavailable('postgres', 'postgres://auditor:***@db/x', `lost ${dsn}`).message).not.toContain(PASSWORD);
  });
});
