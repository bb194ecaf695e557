-- The three registry tables exist, each with its row guard and its TRUNCATE guard, plus the version guard.
SELECT (SELECT count(*) FROM pg_tables WHERE schemaname = 'cutter_governance' AND tablename IN ('run', 'run_snapshot', 'run_backup')) = 3
   AND (SELECT count(*) FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
         WHERE p.proname = 'fn_registry_append_only' AND NOT t.tgisinternal) = 6
   AND (SELECT count(*) FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
         WHERE p.proname = 'fn_run_snapshot_next_version' AND NOT t.tgisinternal) = 1 AS ok;
