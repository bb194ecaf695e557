/**
 * Lists every run sidecar in a directory (DESIGN §2), for the layer-1 replay check (DESIGN §5)
 * and for `orchestrate status`-style listings.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseSidecar, type ParseSidecarOptions, type SidecarIssue } from './parseSidecar.js';
import type { RunView } from '../../machines/runView.js';

/** A `*.json` file in the sidecar directory that is not a valid sidecar, with why. */
export interface UnreadableSidecar {
  file: string;
  issues: SidecarIssue[];
}

/** Result of {@link listSidecars}: the views of valid runs (sorted by run_id, i.e. by creation time) and the rest as data. */
export interface SidecarListing {
  runs: RunView[];
  unreadable: UnreadableSidecar[];
}

/**
 * Reads every `<run_id>.json` in `dir`. Never throws for a bad file: it is listed in `unreadable`
 * (the caller decides; the replay check should refuse to guess when one exists). A file whose
 * `run_id` differs from its name is unreadable too. A missing directory is an empty listing.
 *
 * @param options - `checkKeyChain` (default true) as in `parseSidecar`
 * @throws only on I/O errors other than a missing directory
 */
export async function listSidecars(dir: string, options: ParseSidecarOptions = {}): Promise<SidecarListing> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { runs: [], unreadable: [] };
    throw error;
  }
  const runs: RunView[] = [];
  const unreadable: UnreadableSidecar[] = [];
  for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
    const file = path.join(dir, name);
    const result = parseSidecar(await readFile(file, 'utf8'), options);
    if (!result.ok) unreadable.push({ file, issues: result.issues });
    else if (`${result.value.run_id}.json` !== name) {
      unreadable.push({ file, issues: [{ path: 'run_id', message: `${result.value.run_id} does not match the file name` }] });
    } else runs.push(result.view);
  }
  return { runs, unreadable };
}
