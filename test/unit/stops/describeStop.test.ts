import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { STOP_CODES } from '../../../src/errors.js';
import { packageRoot } from '../../../src/packageRoot.js';
import { describeStop, runbookFor } from '../../../src/stops/describeStop.js';

/** GitHub's anchor of a markdown heading: lowercase, punctuation but `-`/`_` dropped, spaces → `-`. */
function anchorOf(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^a-z0-9 _-]/g, '').replace(/ /g, '-');
}

const runbookAnchors = new Set(
  readFileSync(path.join(packageRoot(), 'runbooks', 'README.md'), 'utf8')
    .split('\n')
    .filter((l) => /^#{2,3} /.test(l))
    .map((l) => anchorOf(l.replace(/^#+ /, ''))),
);

describe('describeStop', () => {
  test.each(STOP_CODES)('%s has a runbook section and a default next step', (code) => {
    const d = describeStop(code, { runId: 'RUN-1' });
    expect(d.runbook).toBe(runbookFor(code));
    const anchor = d.runbook.split('#')[1] ?? '';
    expect(runbookAnchors, `runbooks/README.md has no heading for #${anchor}`).toContain(anchor);
    expect(d.next.length).toBeGreaterThan(0);
    expect(d.message.length).toBeGreaterThan(0);
  });

  test("the thrower's message, lists and next win over the defaults", () => {
    const d = describeStop('STOP_DRIFT', { message: 'region changed', written: [], notWritten: ['a'], next: 'do X' });
    expect(d).toEqual({ message: 'region changed', written: [], not_written: ['a'], runbook: 'runbooks/README.md#stop_drift', next: 'do X' });
    expect(describeStop('STOP_DRIFT', {}).written).toBeNull();
  });

  test('default next steps name the command to run', () => {
    expect(describeStop('AWAITING_SG1', { runId: 'R' }).next).toBe('a sovereign runs orchestrate approve --run-id R --gate SG1 --key FILE; then orchestrate resume --run-id R');
    expect(describeStop('STOP_KB_UPLOAD', { runId: 'R' }).next).toMatch(/fix the KB remote.*then orchestrate resume --run-id R$/);
    expect(describeStop('STOP_KB_UPLOAD', {}).next).toMatch(/then run the command again$/);
    expect(describeStop('STOP_REPLAY_CONFLICT', { runId: 'R', otherRunId: 'OTHER' }).next).toBe('orchestrate resume --run-id OTHER, or void that run: orchestrate void --run-id OTHER --key FILE --reason TEXT');
    const holder = { pid: 77, host: 'h2', started_at: '2026-05-20T10:00:00.000Z' };
    expect(describeStop('STOP_LOCKED', { runId: 'R', lock: { file: '/s/R.lock', label: 'run R', holder, why: 'live' } }).next).toMatch(/^wait for pid 77 on host h2 .*orchestrate status --run-id R/);
    expect(describeStop('STOP_LOCKED', { lock: { file: '/s/R.lock', label: 'run R', holder, why: 'other-host' } }).next).toBe('check pid 77 on host h2; remove /s/R.lock only when it is certainly stopped');
    expect(describeStop('STOP_LOCKED', { lock: { file: '/s/R.lock', label: 'run R', holder: null, why: 'unreadable' } }).next).toMatch(/remove the lock file \/s\/R\.lock/);
  });
});
