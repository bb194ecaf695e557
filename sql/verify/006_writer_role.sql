SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'orchestrator_writer' AND NOT rolcanlogin)
   AND has_table_privilege('orchestrator_writer', 'cutter_governance.cut_change_set', 'INSERT')
   AND NOT has_table_privilege('orchestrator_writer', 'cutter_governance.cut_change_set', 'UPDATE')
   AND NOT has_table_privilege('orchestrator_writer', 'cutter_governance.cut_change_set', 'DELETE')
   AND NOT has_table_privilege('orchestrator_writer', 'cutter.iu', 'DELETE')
   AND NOT has_table_privilege('orchestrator_writer', 'cutter.iu', 'TRUNCATE')
   AND has_column_privilege('orchestrator_writer', 'cutter.iu', 'lifecycle_state', 'UPDATE')
   AND NOT has_column_privilege('orchestrator_writer', 'cutter.iu', 'text', 'UPDATE')
   AND has_function_privilege('orchestrator_writer',
        'cutter.fn_iu_create_set(uuid,text,text,text[],integer[],text[],text[],text[],integer[],text[],text[],text[],text[])', 'EXECUTE') AS ok;
