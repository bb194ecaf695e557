/**
 * Finding a run in the KB alone (issue 9): a finished run by its runs-index line, any run by the
 * run folder whose first document names it. What an auditor's or a sovereign's KB clone has.
 */
import path from 'node:path';
import { InputError } from '../errors.js';
import { readRunDocument } from '../verify/readRunDocument.js';
import type { KbStore } from './KbStore.js';
import { parseRunFolderListing, RUN_DOCUMENTS } from './runDocuments.js';
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


/** A run as its committed run folder shows it (no sidecar needed). */
export interface KbRunFolder {
  run_id: string;
  document_id: string;
  kb_folder: string;
  /**
   * What the folder shows: `done` (final report), `voided` (a VOID document), `awaiting_sg1` /
   * `awaiting_sg2` (the gate's request is the last document), else `in_flight` (running or stopped:
   * only the operator's host can tell).
   */
  state: 'done' | 'voided' | 'awaiting_sg1' | 'awaiting_sg2' | 'in_flight';
  /** The last run document's step (`grant_probe`, `SG1`, …). */
  last_step: string;
  /** How many of the 13 run documents are committed. */
  documents: number;
}

/**
 * Every run folder committed under {@link LAWS_ROOT} (one tree read, then one blob read per folder:
 * the first run document's title names the run), newest folder name last within a law.
 * @param lawId - only this law's folders
 */
export async function listRunFolders(kb: KbStore, lawId?: string): Promise<KbRunFolder[]> {
  const root = lawId === undefined ? LAWS_ROOT : `${LAWS_ROOT}/${lawId}`;
  const folders = new Map<string, Map<string, string>>();
  for (const [relPath, id] of await kb.blobIds(root)) {
    const parts = relPath.split('/');
    if (parts.length !== 6) continue;
    const folder = parts.slice(0, 5).join('/');
    const files = folders.get(folder) ?? new Map<string, string>();
    files.set(parts[5]!, id);
    folders.set(folder, files);
  }
  const out: KbRunFolder[] = [];
  for (const [folder, files] of [...folders].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const documents = parseRunFolderListing([...files.keys()]).flatMap((f) => (f.kind === 'document' ? [f] : []));
    if (documents.length === 0) continue;
    const first = [...documents].sort((a, b) => RUN_DOCUMENTS[a.key].order - RUN_DOCUMENTS[b.key].order)[0]!;
    const runId = readRunDocument(decode(await kb.readBlob(files.get(first.name)!))).titleRunId;
    if (runId === undefined) continue;
    const keys = new Set(documents.map((d) => d.key));
    const last = [...keys].sort((a, b) => RUN_DOCUMENTS[a].order - RUN_DOCUMENTS[b].order).at(-1)!;
    const voided = [...files.keys()].some((n) => /^VOID-[^/]*\.md$/.test(n));
    const state = voided ? 'voided' : keys.has('closeout') ? 'done' : last === 'SG1' ? 'awaiting_sg1' : last === 'SG2' ? 'awaiting_sg2' : 'in_flight';
    out.push({ run_id: runId, document_id: folder.split('/')[3] ?? '', kb_folder: folder, state, last_step: last, documents: keys.size });
  }
  return out;
}
