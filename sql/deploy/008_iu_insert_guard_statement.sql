-- 008: the IU insert guard of 007 checks each INSERT or COPY statement's rows at once (issue 11):
-- an AFTER INSERT … FOR EACH STATEMENT trigger over the statement's transition table, one set-based
-- scan instead of one PL/pgSQL call per row. Same refusals, same SQLSTATEs, same trigger name; a
-- refused statement is refused whole (none of its rows is written). Leg A stages its rows in a
-- temporary table (COPY) before one INSERT … SELECT, so the writer role needs TEMPORARY on the
-- database (PUBLIC has it by default; granted here only where it was revoked).
CREATE FUNCTION cutter.fn_iu_guard_insert_rows() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  bad record;
BEGIN
  SELECT n.canonical_address, n.lifecycle_state INTO bad FROM iu_new n WHERE n.lifecycle_state <> 'cut' LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'GC002', TABLE = 'iu', SCHEMA = 'cutter',
      MESSAGE = format('cutter.iu %s: an IU is inserted as cut, never %s', bad.canonical_address, bad.lifecycle_state);
  END IF;
  SELECT n.canonical_address INTO bad FROM iu_new n
   WHERE encode(sha256(convert_to(n.text, 'UTF8')), 'hex') IS DISTINCT FROM n.content_hash LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'check_violation', CONSTRAINT = 'iu_content_hash_matches_text', TABLE = 'iu', SCHEMA = 'cutter',
      MESSAGE = format('cutter.iu %s: content_hash does not match the text', bad.canonical_address);
  END IF;
  SELECT n.canonical_address, n.change_set_id INTO bad FROM iu_new n
   WHERE n.change_set_id IN (SELECT e.change_set_id FROM cutter_governance.manifest_envelope e) LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'GC001', TABLE = 'iu', SCHEMA = 'cutter',
      MESSAGE = format('cutter.iu %s: change set %s is sealed by its manifest envelope', bad.canonical_address, bad.change_set_id);
  END IF;
  RETURN NULL;
END $$;

DROP TRIGGER iu_guard_insert ON cutter.iu;
DROP FUNCTION cutter.fn_iu_guard_insert();
CREATE TRIGGER iu_guard_insert AFTER INSERT ON cutter.iu REFERENCING NEW TABLE AS iu_new
  FOR EACH STATEMENT EXECUTE FUNCTION cutter.fn_iu_guard_insert_rows();

DO $$
BEGIN
  IF NOT has_database_privilege('orchestrator_writer', current_database(), 'TEMPORARY') THEN
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO orchestrator_writer', current_database());
  END IF;
END $$;
