-- 009: the run registry (DESIGN §9, issue 13). PostgreSQL is the shared record of every run and of
-- every persisted snapshot of it, so layer-1 replay, the run lock and resume work from any host
-- sharing the database. A host's sidecar file is its local copy. Append-only like the governance
-- records: a new snapshot is a new row whose version is the previous one + 1 (compare-and-set on
-- the primary key), never an update.
CREATE TABLE cutter_governance.run (
  run_id            uuid        NOT NULL CHECK (substr(run_id::text, 15, 1) = '7'),
  document_id       text        NOT NULL CHECK (document_id ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  source_version_id text        NOT NULL CHECK (source_version_id ~ '^[0-9a-f]{64}$'),
  kb_folder         text        NOT NULL CHECK (kb_folder ~ '^knowledge/dev/laws/'),
  host              text        NOT NULL CHECK (length(host) > 0),
  actor             text        NOT NULL CHECK (length(actor) > 0),
  created_at        timestamptz NOT NULL,
  registered_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT run_pkey PRIMARY KEY (run_id),
  -- a run folder is claimed once, for one run, across hosts
  CONSTRAINT run_kb_folder_key UNIQUE (kb_folder)
);
CREATE INDEX run_document_idx ON cutter_governance.run (document_id, source_version_id);

-- The sidecar JSON exactly as written to the host's file; its sha256 is checked by the database.
CREATE TABLE cutter_governance.run_snapshot (
  run_id     uuid        NOT NULL,
  version    integer     NOT NULL CHECK (version >= 1),
  sidecar    text        NOT NULL,
  sha256     text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  written_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  host       text        NOT NULL CHECK (length(host) > 0),
  pid        integer     NOT NULL CHECK (pid > 0),
  CONSTRAINT run_snapshot_pkey PRIMARY KEY (run_id, version),
  CONSTRAINT run_snapshot_run_fkey FOREIGN KEY (run_id) REFERENCES cutter_governance.run (run_id),
  CONSTRAINT run_snapshot_sha256_matches CHECK (sha256 = encode(sha256(convert_to(sidecar, 'UTF8')), 'hex')),
  CONSTRAINT run_snapshot_run_id_matches CHECK ((sidecar::jsonb ->> 'run_id')::uuid = run_id)
);

-- The encrypted pre-write backup (OpenPGP, to the configured recipients), reachable from every host;
-- never in the KB.
CREATE TABLE cutter_governance.run_backup (
  run_id      uuid        NOT NULL,
  sha256      text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  bytes       bytea       NOT NULL,
  host        text        NOT NULL CHECK (length(host) > 0),
  recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT run_backup_pkey PRIMARY KEY (run_id),
  CONSTRAINT run_backup_run_fkey FOREIGN KEY (run_id) REFERENCES cutter_governance.run (run_id),
  CONSTRAINT run_backup_sha256_matches CHECK (sha256 = encode(sha256(bytes), 'hex'))
);

CREATE FUNCTION cutter_governance.fn_registry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = 'GC001', TABLE = TG_TABLE_NAME, SCHEMA = TG_TABLE_SCHEMA,
    MESSAGE = format('%I.%I is append-only: %s refused', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP);
END $$;

-- Versions have no gaps: version n + 1 only after n (two writers of n + 1 collide on the key).
CREATE FUNCTION cutter_governance.fn_run_snapshot_next_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  last integer;
BEGIN
  SELECT max(version) INTO last FROM cutter_governance.run_snapshot WHERE run_id = NEW.run_id;
  IF NEW.version <> coalesce(last, 0) + 1 THEN
    RAISE EXCEPTION USING ERRCODE = 'GC003', TABLE = TG_TABLE_NAME, SCHEMA = TG_TABLE_SCHEMA,
      MESSAGE = format('run %s: snapshot version %s refused, the last recorded is %s', NEW.run_id, NEW.version, coalesce(last, 0));
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER run_snapshot_next_version BEFORE INSERT ON cutter_governance.run_snapshot
  FOR EACH ROW EXECUTE FUNCTION cutter_governance.fn_run_snapshot_next_version();

CREATE TRIGGER run_append_only BEFORE UPDATE OR DELETE ON cutter_governance.run
  FOR EACH ROW EXECUTE FUNCTION cutter_governance.fn_registry_append_only();
CREATE TRIGGER run_no_truncate BEFORE TRUNCATE ON cutter_governance.run
  FOR EACH STATEMENT EXECUTE FUNCTION cutter_governance.fn_registry_append_only();
CREATE TRIGGER run_snapshot_append_only BEFORE UPDATE OR DELETE ON cutter_governance.run_snapshot
  FOR EACH ROW EXECUTE FUNCTION cutter_governance.fn_registry_append_only();
CREATE TRIGGER run_snapshot_no_truncate BEFORE TRUNCATE ON cutter_governance.run_snapshot
  FOR EACH STATEMENT EXECUTE FUNCTION cutter_governance.fn_registry_append_only();
CREATE TRIGGER run_backup_append_only BEFORE UPDATE OR DELETE ON cutter_governance.run_backup
  FOR EACH ROW EXECUTE FUNCTION cutter_governance.fn_registry_append_only();
CREATE TRIGGER run_backup_no_truncate BEFORE TRUNCATE ON cutter_governance.run_backup
  FOR EACH STATEMENT EXECUTE FUNCTION cutter_governance.fn_registry_append_only();

GRANT SELECT, INSERT ON cutter_governance.run, cutter_governance.run_snapshot, cutter_governance.run_backup
  TO orchestrator_writer;
