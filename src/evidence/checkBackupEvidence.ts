/**
 * Backup evidence (DESIGN §2 sidecar files, §4 phase 4): the encrypted pre-write backup
 * `<sidecarsDir>/<run_id>.backup.gpg` is still the file the run pinned. Only hashes the file:
 * decrypting needs a recipient's private key.
 */
import { readBackupFile } from '../backup/backupFile.js';
import { compare, skipped, type Check } from './Check.js';
import type { EvidenceRun, EvidenceSources } from './EvidenceRun.js';

/**
 * @returns the `backup.file` row (sha256 of the file = `backup_sha`) once `backup_sha` is pinned
 *   (or the run claims to be complete); skipped without `sources.sidecarsDir`
 */
export async function checkBackupEvidence(run: EvidenceRun, sources: Pick<EvidenceSources, 'sidecarsDir'>): Promise<Check[]> {
  const pinned = run.pins.backup_sha;
  if (pinned === undefined) {
    return run.complete === true ? [{ ...compare('backup.file', undefined, undefined, ''), ok: false, detail: 'backup_sha is not pinned in a complete run' }] : [];
  }
  if (sources.sidecarsDir === undefined) return [skipped('backup.file', pinned, 'no sidecar directory holding the backup file was given')];
  try {
    const { sha256 } = await readBackupFile(sources.sidecarsDir, run.run_id);
    return [compare('backup.file', pinned, sha256, `${run.run_id}.backup.gpg does not hash to backup_sha`)];
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    return [{ check: 'backup.file', ok: false, expected: pinned, observed: '(absent)', detail: `cannot read ${run.run_id}.backup.gpg (${code})` }];
  }
}
