/**
 * The run registry in the database (DESIGN §9, issue 13; sql/deploy/009): one row per run and an
 * append-only log of its persisted snapshots, shared by every host using the database. A host's
 * sidecar file holds the same bytes as the registry's latest version: the registry is written
 * first, then the file, so the registry is never behind a file.
 */
import os from 'node:os';
import { createHash } from 'node:crypto';
import type { Database, Queryable } from '../db/Database.js';
import { DbConstraintError, SQLSTATE_REGISTRY_VERSION } from '../db/dbErrors.js';
import { InputError } from '../errors.js';
import { parseSidecar } from '../sidecar/parseSidecar.js';
import type { Sidecar } from '../sidecar/runContextSchema.js';
import { LockHeld, type LockHolder } from '../stops/facts.js';
import type { RunView } from '../../machines/runView.js';

/** The latest recorded version of a run: its sidecar bytes, parsed, and who wrote them. */
export interface RegisteredRun {
  version: number;
  /** The sidecar JSON exactly as recorded (and as the host's file holds it). */
  text: string;
  sidecar: Sidecar;
  view: RunView;
  host: string;
  pid: number;
  writtenAt: Date;
}

/** Who writes: this host and process (recorded on every row; never used for correctness). */
export function registryWriter(): { host: string; pid: number } {
  return { host: os.hostname(), pid: process.pid };
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

interface SnapshotRow {
  run_id: string;
  version: number;
  sidecar: string;
  host: string;
  pid: number;
  written_at: Date;
}

function parsedRow(row: SnapshotRow): RegisteredRun {
  const parsed = parseSidecar(row.sidecar);
  if (!parsed.ok) {
    throw new InputError(
      `the run registry's version ${row.version} of run ${row.run_id} is not a valid sidecar: ${parsed.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      { field: `cutter_governance.run_snapshot(${row.run_id}, ${row.version})` },
      parsed.issues,
      `orchestrate verify --run-id ${row.run_id}`,
    );
  }
  return { version: Number(row.version), text: row.sidecar, sidecar: parsed.value, view: parsed.view, host: row.host, pid: Number(row.pid), writtenAt: row.written_at };
}

/**
 * Another process recorded a version of this run first: the caller lost the compare-and-set and
 * must stop writing (`STOP_LOCKED`); `resume` continues from the latest recorded version.
 */
export class RegistryVersionTaken extends LockHeld {
  constructor(runId: string, version: number) {
    super({ file: 'cutter_governance.run_snapshot', label: `run ${runId} (snapshot version ${version} was recorded by another process)`, runId, holder: null, why: 'contended' });
  }
}

/**
 * Registers a new run and its first snapshot (version 1). Call inside the transaction that took
 * the document's cut lock, after {@link runsOfDocument} found no blocking run.
 * Run it as the writer role (`transaction(fn, { role })`).
 * @param text - the sidecar's bytes (`serializeSidecar`)
 * @throws DbConstraintError when the run id or its KB folder is already registered (`run_kb_folder_key`)
 */
export async function registerRun(tx: Queryable, sidecar: Sidecar, text: string): Promise<void> {
  const who = registryWriter();
  await tx.query(
    `INSERT INTO cutter_governance.run (run_id, document_id, source_version_id, kb_folder, host, actor, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [sidecar.run_id, sidecar.document_id, sidecar.source_version_id, sidecar.kb_folder, who.host, sidecar.actor, sidecar.created_at],
  );
  await tx.query(
    'INSERT INTO cutter_governance.run_snapshot (run_id, version, sidecar, sha256, host, pid) VALUES ($1, 1, $2, $3, $4, $5)',
    [sidecar.run_id, text, sha256(text), who.host, who.pid],
  );
}

/**
 * Records `text` as version `version` of the run: compare-and-set on the previous version (the
 * primary key (run_id, version) and the gap guard of sql/deploy/009), in its own transaction as `role`.
 * @throws RegistryVersionTaken (`STOP_LOCKED`) when that version exists or the previous one is missing;
 *   DbUnavailable (`STOP_DB`) when the database cannot be reached
 */
export async function appendSnapshot(db: Database, runId: string, version: number, text: string, role?: string): Promise<void> {
  const who = registryWriter();
  try {
    await db.transaction(
      (tx) => tx.query(
        'INSERT INTO cutter_governance.run_snapshot (run_id, version, sidecar, sha256, host, pid) VALUES ($1, $2, $3, $4, $5, $6)',
        [runId, version, text, sha256(text), who.host, who.pid],
      ),
      { failpoints: false, ...(role === undefined ? {} : { role }) },
    );
  } catch (error) {
    if (error instanceof DbConstraintError && (error.sqlstate === SQLSTATE_REGISTRY_VERSION || error.constraint === 'run_snapshot_pkey')) {
      throw new RegistryVersionTaken(runId, version);
    }
    throw error;
  }
}

/** The run's latest recorded version, or undefined when the registry has no such run. */
export async function latestSnapshot(db: Queryable, runId: string): Promise<RegisteredRun | undefined> {
  const r = await db.query<SnapshotRow>(
    `SELECT run_id, version, sidecar, host, pid, written_at FROM cutter_governance.run_snapshot
      WHERE run_id = $1 ORDER BY version DESC LIMIT 1`,
    [runId],
  );
  const row = r.rows[0];
  return row === undefined ? undefined : parsedRow(row);
}

/** The latest version of every registered run of (document, source version), oldest run first. */
export async function runsOfDocument(db: Queryable, documentId: string, sourceVersionId: string): Promise<RegisteredRun[]> {
  const r = await db.query<SnapshotRow>(
    `SELECT DISTINCT ON (s.run_id) s.run_id, s.version, s.sidecar, s.host, s.pid, s.written_at
       FROM cutter_governance.run r JOIN cutter_governance.run_snapshot s USING (run_id)
      WHERE r.document_id = $1 AND r.source_version_id = $2
      ORDER BY s.run_id, s.version DESC`,
    [documentId, sourceVersionId],
  );
  return r.rows.map(parsedRow);
}

/** The latest version of every registered run, oldest run first (the team's view for `status`). */
export async function allRuns(db: Queryable): Promise<RegisteredRun[]> {
  const r = await db.query<SnapshotRow>(
    `SELECT DISTINCT ON (run_id) run_id, version, sidecar, host, pid, written_at FROM cutter_governance.run_snapshot
      ORDER BY run_id, version DESC`,
  );
  return r.rows.map(parsedRow);
}

/**
 * Who holds run `runId`'s session lock ({@link holdRunSessionLock}), read without taking it: the
 * holder's `application_name` ("orchestrate pid P since T on HOST"), '' when it set none, or
 * undefined when nobody holds it. A bigint advisory key shows in pg_locks as classid (high 32
 * bits) and objid (low 32 bits).
 */
export async function runSessionHolder(db: Queryable, runId: string): Promise<string | undefined> {
  const r = await db.query<{ holder: string | null }>(
    `SELECT a.application_name AS holder FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended($1, 0) LIMIT 1`,
    [`orchestrator.run:${runId}`],
  );
  const row = r.rows[0];
  return row === undefined ? undefined : (row.holder ?? '');
}

/** True when another run already claimed `kbFolder` (the folder is claimed once, across hosts). */
export async function folderClaimed(db: Queryable, kbFolder: string, runId: string): Promise<boolean> {
  const r = await db.query<{ n: string }>('SELECT count(*) AS n FROM cutter_governance.run WHERE kb_folder = $1 AND run_id <> $2', [kbFolder, runId]);
  return Number(r.rows[0]?.n ?? 0) > 0;
}

/**
 * Takes the run's session advisory lock in the database (issue 13: one driver per run across
 * hosts; a process that dies loses it at once).
 * @returns the held lock; release it when the process is done with the run
 * @throws LockHeld (`STOP_LOCKED`) naming the holding session (host and pid it recorded)
 */
export async function holdRunSessionLock(db: Database, runId: string): Promise<{ release(): Promise<void>; lost(): string | undefined }> {
  const who = registryWriter();
  const since = `${new Date().toISOString().slice(0, 19)}Z`;
  // application_name keeps 63 bytes: the host comes last so only its tail can be cut.
  const got = await db.trySessionLock(`orchestrator.run:${runId}`, `orchestrate pid ${who.pid} since ${since} on ${who.host}`);
  if (got.held) return got;
  const holder = parseSessionHolder(got.holder ?? '');
  throw new LockHeld({ file: 'database session lock', label: `run ${runId}`, runId, holder, why: holder === null ? 'contended' : 'live' });
}

/** The holder a session lock's `application_name` names ("orchestrate pid P since T on HOST"), or null. */
export function parseSessionHolder(applicationName: string): LockHolder | null {
  const m = /^orchestrate pid (\d+) since (\S+) on (.+)$/.exec(applicationName);
  return m === null ? null : { pid: Number(m[1]), started_at: m[2]!, host: m[3]! };
}

/**
 * The run's encrypted pre-write backup as recorded in the registry (DESIGN §4 phase 4, §9), or
 * undefined. It is OpenPGP ciphertext to the configured recipients: readable by every host, never
 * by anyone without a recipient's private key, and never put into the KB.
 */
export async function recordedBackup(db: Queryable, runId: string): Promise<{ bytes: Uint8Array; sha256: string } | undefined> {
  const r = await db.query<{ bytes: Uint8Array; sha256: string }>('SELECT bytes, sha256 FROM cutter_governance.run_backup WHERE run_id = $1', [runId]);
  const row = r.rows[0];
  return row === undefined ? undefined : { bytes: new Uint8Array(row.bytes), sha256: row.sha256 };
}

/**
 * Records the run's backup once (append-only; the database checks that `sha256` hashes `bytes`).
 * `db.commit.before/after` failpoints fire in scope `backup`.
 * @throws DbConstraintError (`run_backup_pkey`) when the run already has a recorded backup
 */
export async function recordBackup(db: Database, runId: string, bytes: Uint8Array, role?: string): Promise<void> {
  const digest = createHash('sha256').update(bytes).digest('hex');
  await db.transaction(
    (tx) => tx.query('INSERT INTO cutter_governance.run_backup (run_id, sha256, bytes, host) VALUES ($1, $2, $3, $4)', [runId, digest, Buffer.from(bytes), registryWriter().host]),
    { scope: 'backup', ...(role === undefined ? {} : { role }) },
  );
}
