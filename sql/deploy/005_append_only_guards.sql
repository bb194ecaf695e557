-- 005: governance rows and registered source versions are append-only; IUs are never deleted by
-- the orchestrator. Only the sovereign runbook (sql/lifecycle/) bypasses these, as a superuser
-- with session_replication_role = replica.
CREATE FUNCTION cutter_governance.fn_reject_mutation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = 'GC001', TABLE = TG_TABLE_NAME, SCHEMA = TG_TABLE_SCHEMA,
    MESSAGE = format('%I.%I is append-only: %s refused', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP);
END $$;

CREATE TRIGGER source_version_append_only BEFORE UPDATE OR DELETE ON cutter.source_version
  FOR EACH ROW EXECUTE FUNCTION cutter_governance.fn_reject_mutation();
CREATE TRIGGER source_version_no_truncate BEFORE TRUNCATE ON cutter.source_version
  FOR EACH STATEMENT EXECUTE FUNCTION cutter_governance.fn_reject_mutation();
CREATE TRIGGER iu_no_delete BEFORE DELETE ON cutter.iu
  FOR EACH ROW EXECUTE FUNCTION cutter_governance.fn_reject_mutation();
CREATE TRIGGER iu_no_truncate BEFORE TRUNCATE ON cutter.iu
  FOR EACH STATEMENT EXECUTE FUNCTION cutter_governance.fn_reject_mutation();

CREATE TRIGGER cut_change_set_append_only BEFORE UPDATE OR DELETE ON cutter_governance.cut_change_set
  FOR EACH ROW EXECUTE FUNCTION cutter_governance.fn_reject_mutation();
CREATE TRIGGER cut_change_set_no_truncate BEFORE TRUNCATE ON cutter_governance.cut_change_set
  FOR EACH STATEMENT EXECUTE FUNCTION cutter_governance.fn_reject_mutation();
CREATE TRIGGER manifest_envelope_append_only BEFORE UPDATE OR DELETE ON cutter_governance.manifest_envelope
  FOR EACH ROW EXECUTE FUNCTION cutter_governance.fn_reject_mutation();
CREATE TRIGGER manifest_envelope_no_truncate BEFORE TRUNCATE ON cutter_governance.manifest_envelope
  FOR EACH STATEMENT EXECUTE FUNCTION cutter_governance.fn_reject_mutation();
CREATE TRIGGER verify_result_append_only BEFORE UPDATE OR DELETE ON cutter_governance.verify_result
  FOR EACH ROW EXECUTE FUNCTION cutter_governance.fn_reject_mutation();
CREATE TRIGGER verify_result_no_truncate BEFORE TRUNCATE ON cutter_governance.verify_result
  FOR EACH STATEMENT EXECUTE FUNCTION cutter_governance.fn_reject_mutation();
CREATE TRIGGER review_decision_append_only BEFORE UPDATE OR DELETE ON cutter_governance.review_decision
  FOR EACH ROW EXECUTE FUNCTION cutter_governance.fn_reject_mutation();
CREATE TRIGGER review_decision_no_truncate BEFORE TRUNCATE ON cutter_governance.review_decision
  FOR EACH STATEMENT EXECUTE FUNCTION cutter_governance.fn_reject_mutation();
CREATE TRIGGER change_set_void_append_only BEFORE UPDATE OR DELETE ON cutter_governance.change_set_void
  FOR EACH ROW EXECUTE FUNCTION cutter_governance.fn_reject_mutation();
CREATE TRIGGER change_set_void_no_truncate BEFORE TRUNCATE ON cutter_governance.change_set_void
  FOR EACH STATEMENT EXECUTE FUNCTION cutter_governance.fn_reject_mutation();
