import { afterEach, beforeEach, expect, test } from 'vitest';
import { appendRunsIndexLine, RUNS_INDEX_HEADER } from '../../../src/kb/appendRunsIndexLine.js';
import { kbFolderTaken, runFolderPath } from '../../../src/kb/runFolder.js';
import { RUNS_INDEX_PATH, parseRunsIndex, type RunsIndexEntry } from '../../../src/kb/runsIndex.js';
import { failNextPushes, remoteFile, remoteLog, tempGitRepos, type TempGitRepos } from '../../support/gitRepos.js';

const SV = '008a06ace23a96ea17660443d99a31d49d908a627d56f3ce1234567890abcdef';
const entry = (n: number, actor = 'alice'): RunsIndexEntry => ({
  runId: `0196f2a4-7c1e-7a3b-9d2e-${String(n).padStart(12, '0')}`,
  documentId: 'us-const',
  sourceVersionId: SV,
  state: 'done',
  folder: `knowledge/dev/laws/us-const/v${SV.slice(0, 16)}-automation-cut-20260520`,
  changeSetId: `0196f2a5-0000-7000-8000-${String(n).padStart(12, '0')}`,
  reviewDecisionId: `0196f2a6-0000-7000-8000-${String(n).padStart(12, '0')}`,
  actor,
  closeoutUtc: new Date('2026-05-20T14:32:05Z'),
});
const runIdsOnRemote = async (remote: string): Promise<string[]> =>
  parseRunsIndex((await remoteFile(remote, RUNS_INDEX_PATH)) ?? '').entries.map((e) => e.runId);

let repos: TempGitRepos;
beforeEach(async () => {
  repos = await tempGitRepos();
});
afterEach(async () => {
  await repos.cleanup();
});

test('append creates the index, lands on the remote, and a second append of the run is a no-op', async () => {
  const remote = await repos.bareRemote();
  const kb = await repos.kb('kb', { remote });
  const first = await appendRunsIndexLine(kb, entry(1));
  expect(first.changed).toBe(true);
  const text = await remoteFile(remote, RUNS_INDEX_PATH);
  expect(text?.startsWith(RUNS_INDEX_HEADER)).toBe(true);
  expect(await runIdsOnRemote(remote)).toEqual([entry(1).runId]);
  const again = await appendRunsIndexLine(kb, entry(1, 'bob'));
  expect(again).toEqual({ path: RUNS_INDEX_PATH, changed: false, commit: first.commit });
  expect(await remoteLog(remote, RUNS_INDEX_PATH)).toHaveLength(1);
});

test('a concurrent append from another clone is kept: the rebase conflict re-applies on top of the remote', async () => {
  const remote = await repos.bareRemote();
  const a = await repos.kb('a', { remote });
  await appendRunsIndexLine(a, entry(1));
  const b = await repos.kb('b', {
    remote,
    // b has committed its line locally and its push failed; meanwhile a appends its own line.
    retry: { onFailedAttempt: async () => void (await appendRunsIndexLine(a, entry(2))) },
  });
  await b.sync();
  await failNextPushes(b.dir, 1);
  const result = await appendRunsIndexLine(b, entry(3));
  expect(result.changed).toBe(true);
  expect(await runIdsOnRemote(remote)).toEqual([entry(1).runId, entry(2).runId, entry(3).runId]);
  expect(await b.revisions(RUNS_INDEX_PATH)).toBe(3);
  expect(parseRunsIndex((await remoteFile(remote, RUNS_INDEX_PATH))!).issues).toEqual([]);
});

test('two clones appending at the same time both keep their lines', async () => {
  const remote = await repos.bareRemote();
  const a = await repos.kb('a', { remote });
  const b = await repos.kb('b', { remote });
  await Promise.all([
    appendRunsIndexLine(a, entry(10)).then(() => appendRunsIndexLine(a, entry(11))),
    appendRunsIndexLine(b, entry(20)).then(() => appendRunsIndexLine(b, entry(21))),
  ]);
  expect((await runIdsOnRemote(remote)).sort()).toEqual([entry(10), entry(11), entry(20), entry(21)].map((e) => e.runId).sort());
});

test('run folder naming against a real KB: the second run of the day gets -HHMM', async () => {
  const kb = await repos.kb('kb');
  const date = new Date('2026-05-20T14:32:00Z');
  const first = await runFolderPath({ lawId: 'us-const', sourceVersionId: SV, date, taken: kbFolderTaken(kb, 'run-one') });
  await kb.upload(`${first}/01-source-pin-20260520.md`, '# Source Pin · 01 of 11 · run-one\n', 'run-one 01');
  expect(await runFolderPath({ lawId: 'us-const', sourceVersionId: SV, date, taken: kbFolderTaken(kb, 'run-one') })).toBe(first);
  expect(await runFolderPath({ lawId: 'us-const', sourceVersionId: SV, date, taken: kbFolderTaken(kb, 'run-two') })).toBe(`${first}-1432`);
});
