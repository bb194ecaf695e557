-- 003: information units, their forward-only lifecycle, and fn_iu_create (single and set-based).
CREATE TABLE cutter.iu (
  canonical_address text        NOT NULL CHECK (canonical_address ~ '^[A-Za-z0-9][A-Za-z0-9_.-]*/[a-z0-9_-]+$'),
  document_id       text        NOT NULL,
  source_version_id text        NOT NULL,
  change_set_id     uuid        NOT NULL,
  seq               integer     NOT NULL CHECK (seq >= 1),
  unit_kind         text        NOT NULL CHECK (unit_kind ~ '^[a-z_]+$'),
  section_type      text        NOT NULL CHECK (section_type ~ '^[a-z_]+$'),
  parent_address    text,
  ordinal           integer     NOT NULL CHECK (ordinal >= 1),
  heading           text,
  text              text        NOT NULL,
  content_hash      text        NOT NULL CHECK (content_hash ~ '^[0-9a-f]{64}$'),
  idempotency_key   text        NOT NULL CHECK (idempotency_key ~ '^[0-9a-f]{64}$'),
  lifecycle_state   text        NOT NULL DEFAULT 'cut' CHECK (lifecycle_state IN ('cut', 'in_force', 'superseded')),
  created_at        timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT iu_source_version_address_key UNIQUE (source_version_id, canonical_address),
  CONSTRAINT iu_idempotency_key_key UNIQUE (idempotency_key),
  CONSTRAINT iu_change_set_seq_key UNIQUE (change_set_id, seq),
  CONSTRAINT iu_change_set_fkey FOREIGN KEY (change_set_id) REFERENCES cutter_governance.cut_change_set (change_set_id),
  CONSTRAINT iu_source_version_fkey FOREIGN KEY (document_id, source_version_id)
    REFERENCES cutter.source_version (document_id, source_version_id)
);
CREATE INDEX iu_document_state_idx ON cutter.iu (document_id, lifecycle_state);

-- Only lifecycle_state may change, and only forward: cut → in_force → superseded.
CREATE FUNCTION cutter.fn_iu_guard_update() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  rank_old integer := array_position(ARRAY['cut', 'in_force', 'superseded'], OLD.lifecycle_state);
  rank_new integer := array_position(ARRAY['cut', 'in_force', 'superseded'], NEW.lifecycle_state);
BEGIN
  IF (to_jsonb(NEW) - 'lifecycle_state') IS DISTINCT FROM (to_jsonb(OLD) - 'lifecycle_state') THEN
    RAISE EXCEPTION USING ERRCODE = 'GC002', TABLE = 'iu', SCHEMA = 'cutter',
      MESSAGE = format('cutter.iu %s: only lifecycle_state may change', OLD.canonical_address);
  END IF;
  IF rank_new < rank_old THEN
    RAISE EXCEPTION USING ERRCODE = 'GC002', TABLE = 'iu', SCHEMA = 'cutter',
      MESSAGE = format('cutter.iu %s: lifecycle cannot move backwards from %s to %s', OLD.canonical_address, OLD.lifecycle_state, NEW.lifecycle_state);
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER iu_guard_update BEFORE UPDATE ON cutter.iu FOR EACH ROW EXECUTE FUNCTION cutter.fn_iu_guard_update();

-- One IU. Refuses a text whose sha256 is not content_hash; a duplicate address for the same
-- source version fails with 23505 on iu_source_version_address_key.
CREATE FUNCTION cutter.fn_iu_create(
  p_change_set_id uuid, p_document_id text, p_source_version_id text, p_canonical_address text,
  p_seq integer, p_unit_kind text, p_section_type text, p_parent_address text, p_ordinal integer,
  p_heading text, p_text text, p_content_hash text, p_idempotency_key text
) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  IF encode(sha256(convert_to(p_text, 'UTF8')), 'hex') <> p_content_hash THEN
    RAISE EXCEPTION USING ERRCODE = 'check_violation', CONSTRAINT = 'iu_content_hash_matches_text',
      MESSAGE = format('cutter.fn_iu_create %s: content_hash does not match the text', p_canonical_address);
  END IF;
  INSERT INTO cutter.iu (canonical_address, document_id, source_version_id, change_set_id, seq, unit_kind,
                         section_type, parent_address, ordinal, heading, text, content_hash, idempotency_key)
  VALUES (p_canonical_address, p_document_id, p_source_version_id, p_change_set_id, p_seq, p_unit_kind,
          p_section_type, p_parent_address, p_ordinal, p_heading, p_text, p_content_hash, p_idempotency_key);
  RETURN p_canonical_address;
END $$;

-- Set-based variant: one call per batch; arrays are parallel (element i of each is one IU).
CREATE FUNCTION cutter.fn_iu_create_set(
  p_change_set_id uuid, p_document_id text, p_source_version_id text, p_canonical_address text[],
  p_seq integer[], p_unit_kind text[], p_section_type text[], p_parent_address text[], p_ordinal integer[],
  p_heading text[], p_text text[], p_content_hash text[], p_idempotency_key text[]
) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  n integer := coalesce(cardinality(p_canonical_address), 0);
  bad text;
  written integer;
BEGIN
  IF n <> coalesce(cardinality(p_seq), 0) OR n <> coalesce(cardinality(p_unit_kind), 0)
     OR n <> coalesce(cardinality(p_section_type), 0) OR n <> coalesce(cardinality(p_parent_address), 0)
     OR n <> coalesce(cardinality(p_ordinal), 0) OR n <> coalesce(cardinality(p_heading), 0)
     OR n <> coalesce(cardinality(p_text), 0) OR n <> coalesce(cardinality(p_content_hash), 0)
     OR n <> coalesce(cardinality(p_idempotency_key), 0) THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value', MESSAGE = 'cutter.fn_iu_create_set: arrays differ in length';
  END IF;
  SELECT u.a INTO bad FROM unnest(p_canonical_address, p_text, p_content_hash) AS u(a, t, h)
   WHERE encode(sha256(convert_to(u.t, 'UTF8')), 'hex') <> u.h LIMIT 1;
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'check_violation', CONSTRAINT = 'iu_content_hash_matches_text',
      MESSAGE = format('cutter.fn_iu_create_set %s: content_hash does not match the text', bad);
  END IF;
  INSERT INTO cutter.iu (canonical_address, document_id, source_version_id, change_set_id, seq, unit_kind,
                         section_type, parent_address, ordinal, heading, text, content_hash, idempotency_key)
  SELECT u.a, p_document_id, p_source_version_id, p_change_set_id, u.s, u.k, u.st, u.p, u.o, u.hd, u.t, u.h, u.ik
    FROM unnest(p_canonical_address, p_seq, p_unit_kind, p_section_type, p_parent_address, p_ordinal,
                p_heading, p_text, p_content_hash, p_idempotency_key)
      AS u(a, s, k, st, p, o, hd, t, h, ik);
  GET DIAGNOSTICS written = ROW_COUNT;
  RETURN written;
END $$;
