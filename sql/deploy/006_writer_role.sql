-- 006: the least-privilege role the orchestrator's writes run as (SET LOCAL ROLE). NOLOGIN: a
-- login role is granted membership by the DBA. Exactly the grants the writes need: no UPDATE on
-- governance tables, UPDATE only of iu.lifecycle_state, no DELETE or TRUNCATE anywhere.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'orchestrator_writer') THEN
    CREATE ROLE orchestrator_writer NOLOGIN;
  END IF;
END $$;

GRANT USAGE ON SCHEMA cutter, cutter_governance TO orchestrator_writer;
GRANT SELECT, INSERT ON cutter.source_version TO orchestrator_writer;
GRANT SELECT, INSERT ON cutter.iu TO orchestrator_writer;
GRANT UPDATE (lifecycle_state) ON cutter.iu TO orchestrator_writer;
GRANT SELECT, INSERT ON cutter_governance.cut_change_set, cutter_governance.manifest_envelope,
  cutter_governance.verify_result, cutter_governance.review_decision, cutter_governance.change_set_void
  TO orchestrator_writer;

REVOKE EXECUTE ON FUNCTION
  cutter.fn_iu_create(uuid, text, text, text, integer, text, text, text, integer, text, text, text, text),
  cutter.fn_iu_create_set(uuid, text, text, text[], integer[], text[], text[], text[], integer[], text[], text[], text[], text[])
  FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
  cutter.fn_iu_create(uuid, text, text, text, integer, text, text, text, integer, text, text, text, text),
  cutter.fn_iu_create_set(uuid, text, text, text[], integer[], text[], text[], text[], integer[], text[], text[], text[], text[])
  TO orchestrator_writer;
