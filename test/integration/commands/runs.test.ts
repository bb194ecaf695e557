import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from 'uuidv7';
import { runs } from '../../../src/commands/runs.js';
import { InputError } from '../../../src/errors.js';
import { appendRunsIndexLine } from '../../../src/kb/appendRunsIndexLine.js';
import { RUNS_INDEX_PATH, type RunsIndexEntry } from '../../../src/kb/runsIndex.js';
import { createRunWorkspace, type RunWorkspace } from '../../support/buildRun.js';
import { tempGitRepos, type TempGitRepos } from '../../support/gitRepos.js';

const SV = { 'us-const': 'a1b2c3d4e5f60718', udhr: '0f1e2d3c4b5a6978' } as const;

function entry(documentId: keyof typeof SV, state: string, day: string): RunsIndexEntry {
  return {
    runId: uuidv7(),
    documentId,
    sourceVersionId: SV[documentId],
    state,
    folder: `knowledge/dev/laws/${documentId}/v${SV[documentId]}-automation-cut-${day}`,
    changeSetId: state === 'done' ? uuidv7() : undefined,
    reviewDecisionId: state === 'done' ? uuidv7() : undefined,
    actor: 'ada',
    closeoutUtc: new Date(`${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6)}T10:30:00Z`),
  };
}

describe('orchestrate runs over the KB runs-index', () => {
  let ws: RunWorkspace;
  const written: RunsIndexEntry[] = [];

  beforeAll(async () => {
    ws = await createRunWorkspace();
  });
  afterAll(async () => {
    await ws.cleanup();
  });

  it('a KB without a runs-index is an empty list', async () => {
    const out = await runs({ config: ws.config });
    expect(out.json).toMatchObject({ entries: [], issues: [], total: 0 });
    expect(out.text).toContain('no runs-index yet');
  });

  it('lists every run, filters by document and state, and reports malformed lines as issues', async () => {
    written.push(entry('us-const', 'done', '20260301'), entry('udhr', 'done', '20260302'), entry('us-const', 'voided', '20260303'), entry('udhr', 'replayed', '20260304'));
    for (const e of written) await appendRunsIndexLine(ws.kb, e);
    await ws.kb.update(RUNS_INDEX_PATH, (current) => `${current ?? ''}- \`not-a-run\` · \`us-const\`\n- \`${'f'.repeat(32)}\` · \`us-const\` · \`${SV['us-const']}\` · \`done\` · \`2026-03-05\` · \`-\` · \`-\` · \`bob\` · \`20260305T1000Z\`\n`, 'test: damage the runs-index');

    const all = await runs({ config: ws.config });
    expect(all.json.total).toBe(4);
    expect(all.json.entries.map((e) => e.run_id)).toEqual(written.map((e) => e.runId));
    expect(all.json.entries[0]).toEqual({ line: expect.any(Number), run_id: written[0]!.runId, document_id: 'us-const', source_version_short: expect.stringMatching(/^[0-9a-f]{16}$/), state: 'done', kb_folder: written[0]!.folder, change_set_id: written[0]!.changeSetId, review_decision_id: expect.any(String), actor: expect.any(String), closeout_utc: '2026-03-01T10:30Z' });
    expect(all.json.issues.map((i) => i.message)).toEqual(['expected 9 backticked fields', 'KB folder is not <YYYYMMDD>[-HHMM]']);
    expect(all.json.issues.map((i) => i.line)).toEqual([9, 10]);
    expect(all.text).toContain(`issue: ${RUNS_INDEX_PATH}:9: expected 9 backticked fields`);
    expect(all.text.split('\n')[0]).toMatch(/^RUN\s+DOCUMENT\s+SOURCE\s+STATE/);

    const usConst = await runs({ config: ws.config, documentId: 'us-const' });
    expect(usConst.json.entries.map((e) => e.run_id)).toEqual([written[0]!.runId, written[2]!.runId]);
    const done = await runs({ config: ws.config, state: 'DONE' });
    expect(done.json.entries.map((e) => e.run_id)).toEqual([written[0]!.runId, written[1]!.runId]);
    const both = await runs({ config: ws.config, documentId: 'udhr', state: 'replayed' });
    expect(both.json.entries.map((e) => e.run_id)).toEqual([written[3]!.runId]);
    const none = await runs({ config: ws.config, documentId: 'eu-gdpr' });
    expect(none.json.entries).toEqual([]);
    expect(none.text).toContain('no closed-out run matches');
  });

  it('refuses a document id that is not a law-id', async () => {
    await expect(runs({ config: ws.config, documentId: 'US-CONST' })).rejects.toBeInstanceOf(InputError);
  });
});

describe('orchestrate runs with a KB remote', () => {
  let repos: TempGitRepos;
  let ws: RunWorkspace;
  beforeAll(async () => {
    repos = await tempGitRepos('runs-remote-');
    ws = await createRunWorkspace();
  });
  afterAll(async () => {
    await repos.cleanup();
    await ws.cleanup();
  });

  it('shows a line another host pushed, and the local copy with a warning when the remote is gone', async () => {
    const remote = await repos.bareRemote();
    const hostA = await repos.kb('host-a', { remote });
    const hostB = await repos.kb('host-b', { remote });
    const first = entry('us-const', 'done', '20260310');
    await appendRunsIndexLine(hostA, first);
    const out = await runs({ config: ws.config, kb: hostB });
    expect(out.json.entries.map((e) => e.run_id)).toEqual([first.runId]);
    expect(out.json.warnings).toEqual([]);

    const gone = await repos.kb('host-c', { remote: `${repos.root}/missing.git` });
    const offline = await runs({ config: ws.config, kb: gone });
    expect(offline.json.entries).toEqual([]);
    expect(offline.json.warnings[0]).toContain('could not sync');
    expect(offline.text).toContain('warning:');
  });
});
