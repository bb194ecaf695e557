-- 002: registered source versions and the change set each cut writes (DESIGN §4 phases 1 and 6).
CREATE TABLE cutter.source_version (
  document_id       text        NOT NULL CHECK (document_id ~ '^[a-z0-9][a-z0-9-]*$'),
  source_version_id text        NOT NULL CHECK (source_version_id ~ '^[0-9a-f]{64}$'),
  manifest_digest   text        NOT NULL CHECK (manifest_digest ~ '^[0-9a-f]{64}$'),
  registered_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT source_version_pkey PRIMARY KEY (document_id, source_version_id)
);

CREATE TABLE cutter_governance.cut_change_set (
  change_set_id     uuid        NOT NULL CHECK (substr(change_set_id::text, 15, 1) = '7'),
  run_id            uuid        NOT NULL,
  document_id       text        NOT NULL,
  source_version_id text        NOT NULL,
  writer_digest     text        NOT NULL CHECK (writer_digest ~ '^[0-9a-f]{64}$'),
  idempotency_key   text        NOT NULL CHECK (idempotency_key ~ '^[0-9a-f]{64}$'),
  iu_count          integer     NOT NULL CHECK (iu_count >= 0),
  created_at        timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT cut_change_set_pkey PRIMARY KEY (change_set_id),
  CONSTRAINT cut_change_set_idempotency_key_key UNIQUE (idempotency_key),
  CONSTRAINT cut_change_set_source_version_fkey FOREIGN KEY (document_id, source_version_id)
    REFERENCES cutter.source_version (document_id, source_version_id)
);
CREATE INDEX cut_change_set_document_idx ON cutter_governance.cut_change_set (document_id, source_version_id);
