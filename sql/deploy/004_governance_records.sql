-- 004: the recorder tables (DESIGN §4 phases 8–10, §5): one row per change set each, UUIDv7 ids.
CREATE TABLE cutter_governance.manifest_envelope (
  id                 uuid        NOT NULL CHECK (substr(id::text, 15, 1) = '7'),
  change_set_id      uuid        NOT NULL,
  run_id             uuid        NOT NULL,
  manifest_digest    text        NOT NULL CHECK (manifest_digest ~ '^[0-9a-f]{64}$'),
  region_sha         text        NOT NULL CHECK (region_sha ~ '^[0-9a-f]{64}$'),
  writer_digest      text        NOT NULL CHECK (writer_digest ~ '^[0-9a-f]{64}$'),
  iu_count           integer     NOT NULL CHECK (iu_count >= 0),
  envelope           jsonb       NOT NULL,
  recorded_at        timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT manifest_envelope_pkey PRIMARY KEY (id),
  CONSTRAINT manifest_envelope_change_set_id_key UNIQUE (change_set_id),
  CONSTRAINT manifest_envelope_change_set_fkey FOREIGN KEY (change_set_id) REFERENCES cutter_governance.cut_change_set (change_set_id)
);

CREATE TABLE cutter_governance.verify_result (
  id                    uuid        NOT NULL CHECK (substr(id::text, 15, 1) = '7'),
  change_set_id         uuid        NOT NULL,
  run_id                uuid        NOT NULL,
  derived_writer_digest text        NOT NULL CHECK (derived_writer_digest ~ '^[0-9a-f]{64}$'),
  iu_count              integer     NOT NULL CHECK (iu_count >= 0),
  outcome               text        NOT NULL CHECK (outcome IN ('PASS', 'FAIL')),
  recorded_at           timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT verify_result_pkey PRIMARY KEY (id),
  CONSTRAINT verify_result_change_set_id_key UNIQUE (change_set_id),
  CONSTRAINT verify_result_change_set_fkey FOREIGN KEY (change_set_id) REFERENCES cutter_governance.cut_change_set (change_set_id)
);

CREATE TABLE cutter_governance.review_decision (
  id                        uuid        NOT NULL CHECK (substr(id::text, 15, 1) = '7'),
  change_set_id             uuid        NOT NULL,
  run_id                    uuid        NOT NULL,
  gate                      text        NOT NULL DEFAULT 'SG2' CHECK (gate = 'SG2'),
  decision                  text        NOT NULL CHECK (decision = 'approve'),
  approver_fingerprint      text        NOT NULL CHECK (approver_fingerprint ~ '^[0-9A-F]{40,64}$'),
  approval_sha256           text        NOT NULL CHECK (approval_sha256 ~ '^[0-9a-f]{64}$'),
  superseded_source_version text        CHECK (superseded_source_version ~ '^[0-9a-f]{64}$'),
  decided_at                timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT review_decision_pkey PRIMARY KEY (id),
  CONSTRAINT review_decision_change_set_id_key UNIQUE (change_set_id),
  CONSTRAINT review_decision_run_id_key UNIQUE (run_id),
  CONSTRAINT review_decision_change_set_fkey FOREIGN KEY (change_set_id) REFERENCES cutter_governance.cut_change_set (change_set_id)
);

CREATE TABLE cutter_governance.change_set_void (
  id                   uuid        NOT NULL CHECK (substr(id::text, 15, 1) = '7'),
  change_set_id        uuid        NOT NULL,
  run_id               uuid        NOT NULL,
  reason               text        NOT NULL CHECK (length(reason) > 0),
  signer_fingerprint   text        NOT NULL CHECK (signer_fingerprint ~ '^[0-9A-F]{40,64}$'),
  void_document_sha256 text        NOT NULL CHECK (void_document_sha256 ~ '^[0-9a-f]{64}$'),
  voided_at            timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT change_set_void_pkey PRIMARY KEY (id),
  CONSTRAINT change_set_void_change_set_id_key UNIQUE (change_set_id),
  CONSTRAINT change_set_void_change_set_fkey FOREIGN KEY (change_set_id) REFERENCES cutter_governance.cut_change_set (change_set_id)
);
