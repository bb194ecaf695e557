/**
 * Reads and validates one run's sidecar `<dir>/<run_id>.json` (DESIGN §2, §5).
 */
import { readFile } from 'node:fs/promises';
import { InputError } from '../errors.js';
import { parseSidecar, type ParseSidecarOptions } from './parseSidecar.js';
import type { RunView } from '../../machines/runView.js';
import type { Sidecar } from './runContextSchema.js';
import { sidecarPaths } from './sidecarPaths.js';

/** 1-based line of character `offset` in `text`. */
function lineAt(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}

/**
 * Line of the first `"key":` of the failing field in a pretty-printed sidecar, so the message
 * points at it; undefined when the field is absent (e.g. a missing required field).
 */
function lineOfField(text: string, fieldPath: string): number | undefined {
  let from = 0;
  for (const segment of fieldPath.split('.')) {
    if (/^\d+$/.test(segment) || segment === '(root)') continue;
    const at = text.indexOf(`"${segment}":`, from);
    if (at < 0) return undefined;
    from = at;
  }
  return from === 0 ? undefined : lineAt(text, from);
}

/** How a caller names a sidecar it cannot read (see {@link readSidecarText}). */
export interface UnreadableSidecar {
  /** message when the file (its path given) does not exist: the run is unknown to this host */
  missing: (file: string) => string;
  /** `where.field` of the InputError, when the caller's input names the run (e.g. `run_id`) */
  field?: string;
  /** `next` of the InputError: what the user should run instead */
  next?: string;
}

/**
 * Reads the raw text of `<dir>/<runId>.json` — the one place a sidecar file is opened for reading;
 * parsing is the caller's (`readSidecar` refuses a bad file, `checkSidecar` reports it).
 *
 * @param dir - the sidecar directory (`sidecars/`)
 * @param runId - the run's UUIDv7
 * @param unreadable - the caller's wording of the InputError
 * @returns the file's path and UTF-8 text
 * @throws InputError with `where.file` (and `unreadable.field`): `unreadable.missing(file)` when the file
 *   does not exist, `cannot read sidecar <file> (<errno code>)` for any other read failure
 */
export async function readSidecarText(dir: string, runId: string, unreadable: UnreadableSidecar): Promise<{ file: string; text: string }> {
  const file = sidecarPaths(dir, runId).context;
  try {
    return { file, text: await readFile(file, 'utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(
      code === 'ENOENT' ? unreadable.missing(file) : `cannot read sidecar ${file} (${code ?? 'error'})`,
      { file, ...(unreadable.field === undefined ? {} : { field: unreadable.field }) },
      [],
      unreadable.next,
    );
  }
}

/**
 * Reads a sidecar (a schema-1 file is migrated, see parseSidecar), refusing one that fails its
 * schema or whose keys do not chain.
 *
 * @param dir - the sidecar directory (`sidecars/`)
 * @param runId - the run's UUIDv7
 * @param options - `checkKeyChain: false` for forensic reads of a damaged sidecar
 * @returns the sidecar and its view (machines/runView.ts)
 * @throws InputError with `where.file`, the first failing `where.field` (and its `line` when found)
 *   and every issue in `issues`: missing file, invalid JSON, schema failure, broken key chain, or a
 *   file whose `run_id` is not the one its name says
 */
export async function readSidecar(dir: string, runId: string, options: ParseSidecarOptions = {}): Promise<{ sidecar: Sidecar; view: RunView }> {
  const { file, text } = await readSidecarText(dir, runId, { missing: (path) => `no sidecar for run ${runId}: ${path} does not exist` });
  const result = parseSidecar(text, options);
  if (!result.ok) {
    const first = result.issues[0];
    const syntax = first?.path === '(root)' ? /position (\d+)/.exec(first.message) : null;
    const line = syntax?.[1] !== undefined ? lineAt(text, Number(syntax[1])) : first && lineOfField(text, first.path);
    const listed = result.issues.map((i) => `${i.path}: ${i.message}`).join('; ');
    throw new InputError(
      `sidecar ${file} is refused: ${listed}`,
      { file, ...(line === undefined ? {} : { line }), ...(first ? { field: first.path } : {}) },
      result.issues,
      'inspect the file; resume refuses a damaged sidecar (read it with checkKeyChain: false for forensics)',
    );
  }
  if (result.value.run_id !== runId) {
    throw new InputError(
      `sidecar ${file} holds run_id ${result.value.run_id}, not ${runId}`,
      { file, field: 'run_id' },
      [{ path: 'run_id', message: `must equal the file name's run id ${runId}` }],
    );
  }
  return { sidecar: result.value, view: result.view };
}
