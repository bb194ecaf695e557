/**
 * Run ids as users type them (issue 12): a whole id (with or without hyphens, any case) or a unique
 * prefix, like git's short commit ids. Prefixes are resolved against the runs this host can see
 * without a database: the sidecars of the workspace and the run folders and runs-index of the KB.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import type { Config } from '../config/configSchema.js';
import { InputError } from '../errors.js';
import { normaliseRunId } from '../runId.js';

/** Fewest hex digits a prefix must have (git's short ids start at 4; run ids share a time prefix, so more). */
export const MIN_PREFIX_DIGITS = 6;

const PREFIX = /^[0-9a-f-]+$/i;
const compact = (id: string): string => id.replace(/-/g, '').toLowerCase();

/**
 * The positional run id or `--run-id`, whichever is given; both only when one is a prefix of the
 * other (the same run), and then the longer.
 *
 * @throws InputError `{ field: 'run-id' }` when neither or two different ones are given
 */
export function pickRunIdArgument(positional: string | undefined, option: string | undefined, required: boolean): string | undefined {
  if (positional !== undefined && option !== undefined) {
    const [a, b] = [compact(positional), compact(option)];
    // A prefix and a longer form of the same id name one run: keep the longer.
    if (!a.startsWith(b) && !b.startsWith(a)) {
      throw new InputError(`two run ids given: ${positional} and --run-id ${option}`, { field: 'run-id' }, [], 'give the run id once, as an argument or with --run-id');
    }
    return a.length >= b.length ? positional : option;
  }
  const value = positional ?? option;
  if (value === undefined && required) throw new InputError('no run id given', { field: 'run-id' }, [], 'give the run id as an argument or with --run-id (orchestrate status lists the runs)');
  return value;
}

/**
 * Resolves a run id argument to the canonical id.
 *
 * A whole id is returned canonical at once (no lookup). A prefix of at least
 * {@link MIN_PREFIX_DIGITS} hex digits (hyphens ignored) must match exactly one run among the
 * workspace's sidecars and the KB's run folders and runs-index. Anything else is returned as given,
 * for the command to refuse with its own message.
 *
 * @param value - what the user typed
 * @param config - the workspace (sidecars directory, KB directory)
 * @throws InputError `{ field: 'run-id' }` when a prefix matches no run or several (listing them)
 */
export async function resolveRunId(value: string, config: Config): Promise<string> {
  const whole = normaliseRunId(value);
  if (whole !== undefined) return whole;
  const want = compact(value.trim());
  if (!PREFIX.test(value.trim()) || want.length < MIN_PREFIX_DIGITS) {
    if (PREFIX.test(value.trim())) {
      throw new InputError(`run id prefix "${value}" is too short: give at least ${MIN_PREFIX_DIGITS} hex digits`, { field: 'run-id' }, [], 'give more digits of the run id (orchestrate status lists the runs)');
    }
    return value;
  }
  const known = await knownRunIds(config);
  const matches = [...known].filter((id) => compact(id).startsWith(want)).sort();
  if (matches.length === 1) return matches[0] as string;
  if (matches.length === 0) {
    throw new InputError(`no run id starts with "${value}" among this workspace's sidecars and the KB's run folders`, { field: 'run-id' }, [], 'check the id (orchestrate status and orchestrate runs list the runs), or give the whole id');
  }
  throw new InputError(`run id prefix "${value}" is ambiguous: it matches ${matches.join(', ')}`, { field: 'run-id' }, matches.map((id) => ({ path: 'run-id', message: id })), 'give more digits of the run id');
}

/** Every run id this host can see without a database. Missing directories count as empty. */
async function knownRunIds(config: Config): Promise<Set<string>> {
  const ids = new Set<string>();
  const names = await readdir(config.sidecarsDir).catch(() => [] as string[]);
  for (const name of names) {
    const id = name.endsWith('.json') ? normaliseRunId(name.slice(0, -'.json'.length)) : undefined;
    if (id !== undefined) ids.add(id);
  }
  if (existsSync(`${config.kbDir}/.git`)) {
    const [{ openKb }, { listRunFolders }, { RUNS_INDEX_PATH, parseRunsIndex }] = await Promise.all([
      import('../kb/openKb.js'), import('../kb/findRunFolder.js'), import('../kb/runsIndex.js'),
    ]);
    const kb = await openKb({ dir: config.kbDir });
    for (const f of await listRunFolders(kb)) ids.add(f.run_id);
    if (await kb.exists(RUNS_INDEX_PATH)) {
      for (const e of parseRunsIndex(Buffer.from(await kb.read(RUNS_INDEX_PATH)).toString('utf8')).entries) ids.add(e.runId);
    }
  }
  return ids;
}
