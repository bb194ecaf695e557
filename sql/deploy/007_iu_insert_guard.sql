-- 007: IUs enter only as `cut`, only with a text that hashes to their content_hash, and only into
-- a change set whose manifest envelope (leg B) is not recorded yet — whoever inserts them, through
-- fn_iu_create(_set) or directly with the writer role's INSERT grant.
CREATE FUNCTION cutter.fn_iu_guard_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.lifecycle_state <> 'cut' THEN
    RAISE EXCEPTION USING ERRCODE = 'GC002', TABLE = 'iu', SCHEMA = 'cutter',
      MESSAGE = format('cutter.iu %s: an IU is inserted as cut, never %s', NEW.canonical_address, NEW.lifecycle_state);
  END IF;
  IF encode(sha256(convert_to(NEW.text, 'UTF8')), 'hex') <> NEW.content_hash THEN
    RAISE EXCEPTION USING ERRCODE = 'check_violation', CONSTRAINT = 'iu_content_hash_matches_text', TABLE = 'iu', SCHEMA = 'cutter',
      MESSAGE = format('cutter.iu %s: content_hash does not match the text', NEW.canonical_address);
  END IF;
  IF EXISTS (SELECT 1 FROM cutter_governance.manifest_envelope e WHERE e.change_set_id = NEW.change_set_id) THEN
    RAISE EXCEPTION USING ERRCODE = 'GC001', TABLE = 'iu', SCHEMA = 'cutter',
      MESSAGE = format('cutter.iu %s: change set %s is sealed by its manifest envelope', NEW.canonical_address, NEW.change_set_id);
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER iu_guard_insert BEFORE INSERT ON cutter.iu FOR EACH ROW EXECUTE FUNCTION cutter.fn_iu_guard_insert();
