/**
 * Creates a file only if it does not exist, never exposing a partly written file.
 *
 * The content goes to a unique temp file first (write-file-atomic: write, fsync, rename), then
 * `link(temp, target)` publishes it: link fails with EEXIST when the target exists, atomically,
 * so exactly one of several concurrent creators wins, and a reader sees either no file or the
 * complete one (an `open(…, 'wx')` + write would show an empty file in between).
 * Needs a filesystem with hard links (any local POSIX filesystem).
 */
import { randomBytes } from 'node:crypto';
import { link, unlink } from 'node:fs/promises';
import writeFileAtomic from 'write-file-atomic';

/**
 * @param file - the target path
 * @param data - its complete content
 * @param mode - permission bits (e.g. 0o600); the process umask does not apply
 * @returns true when this call created the file, false when it already existed
 * @throws on I/O errors other than EEXIST (the temp file is removed either way)
 */
export async function createFileExclusive(file: string, data: string | Buffer, mode = 0o644): Promise<boolean> {
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFileAtomic(temp, data, { fsync: true, mode });
  try {
    await link(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}
