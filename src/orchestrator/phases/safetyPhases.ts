/**
 * Phases 4 and 5 (DESIGN §4): the encrypted pre-write backup and the grant probe.
 */
import { InputError, StopError } from '../../errors.js';
import { encryptBackup } from '../../backup/encryptBackup.js';
import { readBackupFile, writeBackupFile } from '../../backup/backupFile.js';
import { loadBackupRecipients } from '../../backup/loadBackupRecipients.js';
import { dumpDocumentScope } from '../../ledger/dumpDocumentScope.js';
import { grantProbeView, probeGrants } from '../../ledger/probeGrants.js';
import { backupKey, grantProbeKey } from '../../sidecar/phaseKeys.js';
import type { PhaseActorInput, PhaseOutput } from '../../../machines/types.js';
import { keyOf, type PhaseDeps } from '../PhaseDeps.js';
import { invariant, phaseReport } from '../phaseReport.js';
import { publishRunDocument } from '../publishRunDocument.js';
import { recordBackup, recordedBackup } from '../../registry/runRegistry.js';

/**
 * Phase 4: dump the document's DB scope, encrypt it to the configured recipients and write
 * `sidecars/<run_id>.backup.gpg`, recorded once in the run registry (`run_backup`, DESIGN §9) so
 * every host can reach it — or adopt what an earlier attempt wrote, on this host (the file) or on
 * another (the registry's copy, written down here): encryption is randomised, so it is never re-made.
 * @throws InputError when no backup recipient is configured (a cut never runs without a backup);
 *   StopError `STOP_DRIFT` when this host's file is not the registry's backup
 */
export async function backup(deps: PhaseDeps, { context }: PhaseActorInput): Promise<PhaseOutput> {
  const run = deps.run;
  const dir = deps.config.sidecarsDir;
  let file: { bytes: Uint8Array; sha256: string } | undefined;
  try {
    file = await readBackupFile(dir, run.run_id);
  } catch {
    file = undefined;
  }
  const recorded = await recordedBackup(deps.db, run.run_id);
  if (file === undefined && recorded !== undefined) {
    // Another host made it: this host's copy is written from the registry.
    await writeBackupFile(dir, run.run_id, recorded.bytes, 'backup');
    file = await readBackupFile(dir, run.run_id);
  }
  if (file === undefined) {
    if (deps.config.backupRecipients.length === 0) {
      throw new InputError('no backup recipient is configured: the pre-write backup cannot be encrypted', { field: 'backup.recipients' }, [], 'add an armored public key file to backup.recipients (or ORCHESTRATE_BACKUP_RECIPIENTS), then resume');
    }
    const recipients = await loadBackupRecipients(deps.config.backupRecipients);
    const dump = await dumpDocumentScope(deps.db, run.document_id);
    const enc = await encryptBackup({ run_id: run.run_id, source_version_id: run.source_version_id, ...dump }, recipients);
    await writeBackupFile(dir, run.run_id, enc.bytes, 'backup');
    file = await readBackupFile(dir, run.run_id);
  }
  if (recorded === undefined) {
    await recordBackup(deps.db, run.run_id, file.bytes, deps.config.writerRole);
  } else if (recorded.sha256 !== file.sha256) {
    throw new StopError('STOP_DRIFT', `the backup file ${run.run_id}.backup.gpg (sha256 ${file.sha256.slice(0, 16)}…) is not the backup the run registry recorded (${recorded.sha256.slice(0, 16)}…)`, {
      runId: run.run_id,
      written: [],
      next: `orchestrate verify --run-id ${run.run_id}; the registry's copy is the run's backup (move the local file aside and resume)`,
    });
  }
  const key = backupKey(keyOf(context, 'cutplan'), file.sha256);
  const upload = await publishRunDocument(deps, 'backup', phaseReport(deps, 'backup', context, {
    work: [
      `dumped the DB rows in the scope of ${run.document_id} (source versions, IUs, governance rows)`,
      `encrypted them with OpenPGP to the configured recipient(s); written once (an earlier attempt's file is adopted, never re-encrypted)`,
      `sidecar file ${run.run_id}.backup.gpg (never uploaded to the KB)`,
    ],
    artifacts: [{ path: `sidecars/${run.run_id}.backup.gpg`, sha256: file.sha256, bytes: file.bytes.length }],
    verdict: { backup_sha: file.sha256, key },
  }));
  return { pins: { backup_sha: file.sha256 }, keys: { backup: key }, upload };
}

/** Phase 5: the writer role holds exactly the needed privileges and the guards exist. */
export async function grantProbe(deps: PhaseDeps, { context }: PhaseActorInput): Promise<PhaseOutput> {
  const run = deps.run;
  const probe = await probeGrants(deps.db, deps.config.writerRole);
  if (!probe.ok) {
    const bad = probe.checks.filter((c) => !c.ok).map((c) => `${c.check} (expected ${String(c.expected)}, found ${String(c.observed)})`);
    throw new StopError('STOP_GRANT_PROBE', `the role ${deps.config.writerRole} does not hold exactly the privileges the writes need: ${bad.join('; ')}`, {
      runId: run.run_id,
      written: [],
      next: `fix the grants (sql/deploy/006_writer_role.sql), then: orchestrate resume --run-id ${run.run_id}`,
    });
  }
  const key = grantProbeKey(keyOf(context, 'backup'), probe.sha256);
  const view = grantProbeView(probe);
  const upload = await publishRunDocument(deps, 'grant_probe', phaseReport(deps, 'grant_probe', context, {
    work: [`probed ${probe.checks.length} privileges and guards of role ${probe.role}`, 'grant_probe_sha = sha256 of RFC 8785 JSON of {role, checks}'],
    invariants: view.rows.map((c) => invariant(c.check, c.expected, c.observed)),
    matrix: { caption: `Privileges of role ${probe.role} on each table the writes touch (yes/no as observed; a value not as required is marked) and its guard triggers:`, ...view.matrix },
    verdict: { role: probe.role, checks: probe.checks.length, grant_probe_sha: probe.sha256, key },
  }));
  return { pins: { grant_probe_sha: probe.sha256 }, keys: { grant_probe: key }, upload };
}
