/**
 * Finding a run in the KB alone (issue 9): a finished run by its runs-index line, any run by the
 * run folder whose first document names it. What an auditor's or a sovereign's KB clone has.
 */
import path from 'node:path';
import { InputError } from '../errors.js';
import { readRunDocument } from '../verify/readRunDocument.js';
import type { KbStore } from './KbStore.js';
import { LAWS_ROOT } from './runFolder.js';
import { parseRunsIndex, RUNS_INDEX_PATH, type RunsIndexRecord } from './runsIndex.js';

const decode = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

/** The committed runs-index entries of `runId` (none when the file is absent). */
export async function indexEntries(kb: KbStore, runId: string): Promise<{ entries: RunsIndexRecord[]; issues: string[] }> {
  const id = (await kb.blobIds(RUNS_INDEX_PATH)).get(RUNS_INDEX_PATH);
  if (id === undefined) return { entries: [], issues: [] };
  const text = decode(await kb.readBlob(id));
  const parsed = parseRunsIndex(text);
  const compact = runId.replaceAll('-', '');
  // A line of this run that no longer parses is an edit of the index: it must show up, not vanish.
  const lines = text.split('\n');
  const issues = parsed.issues.filter((i) => (lines[i.line - 1] ?? '').includes(compact)).map((i) => `line ${i.line}: ${i.message}`);
  return { entries: parsed.entries.filter((e) => e.runId === runId), issues };
}

/**
 * Finds the run folder: from the runs-index line of a finished run, otherwise the folder whose
 * first run document's title names the run (an in-flight or stopped run).
 * @throws InputError when no committed run folder names the run
 */
export async function findRunFolder(kb: KbStore, runId: string, indexed: readonly RunsIndexRecord[]): Promise<string> {
  const fromIndex = indexed[0]?.folder;
  if (fromIndex !== undefined && (await kb.blobIds(fromIndex)).size > 0) return fromIndex;
  const all = await kb.blobIds(LAWS_ROOT);
  const firsts = [...all].filter(([p]) => /^knowledge\/dev\/laws\/[^/]+\/[^/]+\/01-source-pin-\d{8}\.md$/.test(p));
  for (const [relPath, id] of firsts) {
    if (readRunDocument(decode(await kb.readBlob(id))).titleRunId === runId) return path.posix.dirname(relPath);
  }
  throw new InputError(
    `no run ${runId} in the KB: neither the runs-index nor any committed run folder names it`,
    { field: 'run-id' },
    [],
    'git pull the KB remote and check the run id (`orchestrate runs` lists the runs); a run that published no document did not happen (reference §3)',
  );
}

