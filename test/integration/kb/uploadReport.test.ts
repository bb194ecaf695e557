import { afterEach, beforeEach, expect, test } from 'vitest';
import { runDocumentName } from '../../../src/kb/runDocuments.js';
import { renderReport } from '../../../src/reports/renderReport.js';
import { ReportRejected } from '../../../src/reports/ReportRejected.js';
import { SecretFound } from '../../../src/reports/scanForSecrets.js';
import { uploadReport } from '../../../src/reports/uploadReport.js';
import { sampleReports } from '../../unit/reports/sampleReports.js';
import { remoteFile, tempGitRepos, type TempGitRepos } from '../../support/gitRepos.js';

const FOLDER = 'knowledge/dev/laws/us-const/v8f4687f71119c2dc-automation-cut-20261120';
let repos: TempGitRepos;
beforeEach(async () => {
  repos = await tempGitRepos();
});
afterEach(async () => {
  await repos.cleanup();
});

test('every one of the 13 reports renders, passes the scanner and uploads with exactly one revision', async () => {
  const remote = await repos.bareRemote();
  const kb = await repos.kb('kb', { remote });
  const reports = await sampleReports();
  for (const [key, report] of Object.entries(reports)) {
    const relPath = `${FOLDER}/${runDocumentName(report.kind, '20261120')}`;
    const uploaded = await uploadReport(kb, relPath, report, { secrets: ['db-password-value'], scope: key });
    expect(uploaded.text).toBe(renderReport(report));
    expect(await remoteFile(remote, relPath)).toBe(uploaded.text);
  }
  const names = await kb.list(FOLDER);
  expect(names).toHaveLength(13);
  for (const name of names) expect(await kb.revisions(`${FOLDER}/${name}`)).toBe(1);
});

test('a report holding a configured secret is blocked and never reaches the KB', async () => {
  const kb = await repos.kb('kb');
  const { mark } = await sampleReports();
  const leaky = { ...mark, work: [...mark.work, 'connected with s3cr3t-db-pass'] };
  const relPath = `${FOLDER}/${runDocumentName('mark', '20261120')}`;
  const blocked = uploadReport(kb, relPath, leaky, { secrets: ['s3cr3t-db-pass'], scope: 'mark' });
  await expect(blocked).rejects.toBeInstanceOf(SecretFound);
  await expect(blocked).rejects.toThrow(/configured-secret-1 at line \d+/);
  expect(await kb.exists(relPath)).toBe(false);
  expect(await kb.list(FOLDER)).toEqual([]);
  expect(await kb.headCommit()).toBeUndefined();
});

test('a report breaking the template is rejected before scanning or uploading', async () => {
  const kb = await repos.kb('kb');
  const { mark } = await sampleReports();
  const relPath = `${FOLDER}/${runDocumentName('mark', '20261120')}`;
  await expect(uploadReport(kb, relPath, { ...mark, nextSteps: ['speculate'] })).rejects.toBeInstanceOf(ReportRejected);
  expect(await kb.headCommit()).toBeUndefined();
});
