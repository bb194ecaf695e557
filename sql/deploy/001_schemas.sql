-- 001_schemas: the two schemas of DESIGN §9.
CREATE SCHEMA cutter;
COMMENT ON SCHEMA cutter IS 'Source versions, information units (IUs) and fn_iu_create (DESIGN §9)';
CREATE SCHEMA cutter_governance;
COMMENT ON SCHEMA cutter_governance IS 'Append-only governance records of each cut (DESIGN §9)';
