/**
 * The encrypted backup sidecar `<dir>/<run_id>.backup.gpg` (DESIGN §2).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { failpoint } from '../failpoints/failpoint.js';
import { createFileExclusive } from '../sidecar/createFileExclusive.js';
import { sidecarPaths } from '../sidecar/sidecarPaths.js';

/** The backup file of a run, its bytes' sha256, and whether this call wrote it. */
export interface BackupFile {
  file: string;
  sha256: string;
  created: boolean;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Writes the backup once, atomically (mode 0600), with failpoints `sidecar.write.before/after`.
 * An existing backup is never overwritten: encryption is randomised, so a re-run of the backup
 * phase would produce other bytes; instead the existing file is returned (`created: false`) with
 * its sha256 for the phase to adopt or to compare with its pinned `backup_sha`.
 *
 * @param scope - phase name for scoped failpoints (normally `backup`)
 * @throws InputError on a bad run id; I/O errors as thrown by node:fs
 */
export async function writeBackupFile(dir: string, runId: string, bytes: Uint8Array, scope?: string): Promise<BackupFile> {
  const file = sidecarPaths(dir, runId).backup;
  await mkdir(dir, { recursive: true });
  failpoint('sidecar.write.before', scope);
  const created = await createFileExclusive(file, Buffer.from(bytes), 0o600);
  if (created) failpoint('sidecar.write.after', scope);
  return { file, created, sha256: created ? sha256(bytes) : sha256(await readFile(file)) };
}

/**
 * @returns the bytes of a run's backup and their sha256
 * @throws the node:fs error (ENOENT when the run has no backup)
 */
export async function readBackupFile(dir: string, runId: string): Promise<{ bytes: Uint8Array; sha256: string }> {
  const bytes = new Uint8Array(await readFile(sidecarPaths(dir, runId).backup));
  return { bytes, sha256: sha256(bytes) };
}
