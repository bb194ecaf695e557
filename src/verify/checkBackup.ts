/**
 * The backup check of `verify` (DESIGN §2 sidecar files, §4 phase 4; reference §7): the encrypted
 * pre-write backup `sidecars/<run_id>.backup.gpg` is still the file the run pinned.
 */
import { readBackupFile } from '../backup/backupFile.js';
import type { RunView } from '../../machines/runView.js';
import { compareCheck, type VerifyCheck } from './VerifyCheck.js';

/**
 * @returns the `backup.file` row (sha256 of the file = `context_pins.backup_sha`), or none before
 *   the backup phase pinned it. Only hashes the file: decrypting needs a recipient's private key.
 */
export async function checkBackup(sidecarsDir: string, ctx: RunView): Promise<VerifyCheck[]> {
  const pinned = ctx.pins.backup_sha ?? undefined;
  if (pinned === undefined) return [];
  try {
    const { sha256 } = await readBackupFile(sidecarsDir, ctx.run_id);
    const row = compareCheck('backup.file', pinned, sha256);
    return [row.ok ? row : { ...row, detail: `${ctx.run_id}.backup.gpg does not hash to backup_sha` }];
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    return [{ check: 'backup.file', ok: false, expected: pinned, observed: '(absent)', detail: `cannot read ${ctx.run_id}.backup.gpg (${code})` }];
  }
}
