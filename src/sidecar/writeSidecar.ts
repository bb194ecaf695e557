/**
 * Atomically writes a run's sidecar `<dir>/<run_id>.json` (DESIGN §2, §10).
 */
import { mkdir, open } from 'node:fs/promises';
import writeFileAtomic from 'write-file-atomic';
import { InputError } from '../errors.js';
import { failpoint } from '../failpoints/failpoint.js';
import { parseSidecar } from './parseSidecar.js';
import type { Sidecar } from './runContextSchema.js';
import { sidecarPaths } from './sidecarPaths.js';

/**
 * Validates `ctx` (schema, snapshot context and key chain) and writes it as pretty JSON with a trailing newline.
 *
 * write-file-atomic writes a temp file beside the target, fsyncs it and renames it over the
 * target, so a reader (or a crash at any moment) sees the old file or the new one, never a torn
 * one; the directory is fsynced after the rename so the rename itself survives a power loss.
 * Failpoints `sidecar.write.before` / `sidecar.write.after` (DESIGN §10) surround the write.
 *
 * @param dir - the sidecar directory; created when missing
 * @param ctx - the sidecar to persist (callers set `updated_at`)
 * @param scope - the phase or gate writing, for scoped failpoints (`mark/sidecar.write.after`)
 * @returns the path written
 * @throws InputError when `ctx` fails its schema or its keys do not chain (nothing is written)
 */
export async function writeSidecar(dir: string, ctx: Sidecar, scope?: string): Promise<string> {
  return writeSidecarText(dir, ctx.run_id, serializeSidecar(dir, ctx), scope);
}

/**
 * The bytes a sidecar is stored as, in its file and in the run registry (sql/deploy/009): the
 * validated sidecar as pretty JSON with a trailing newline.
 * @param dir - the sidecar directory (named in the error only)
 * @throws InputError when `ctx` fails its schema or its keys do not chain
 */
export function serializeSidecar(dir: string, ctx: Sidecar): string {
  const file = sidecarPaths(dir, ctx.run_id).context;
  const checked = parseSidecar(ctx);
  if (!checked.ok) {
    throw new InputError(
      `refusing to write an invalid sidecar for run ${ctx.run_id}: ${checked.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      { file, ...(checked.issues[0] ? { field: checked.issues[0].path } : {}) },
      checked.issues,
    );
  }
  return `${JSON.stringify(checked.value, null, 2)}\n`;
}

/**
 * Writes already serialized sidecar bytes ({@link serializeSidecar}) atomically, with the
 * `sidecar.write.before/after` failpoints; used when the same bytes went to the run registry.
 * @param options.before - fire `sidecar.write.before` here (false when the caller fired it before the registry write)
 * @returns the path written
 */
export async function writeSidecarText(dir: string, runId: string, text: string, scope?: string, options: { before?: boolean } = {}): Promise<string> {
  const file = sidecarPaths(dir, runId).context;
  await mkdir(dir, { recursive: true });
  if (options.before ?? true) failpoint('sidecar.write.before', scope);
  await writeFileAtomic(file, text, { fsync: true });
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  failpoint('sidecar.write.after', scope);
  return file;
}
