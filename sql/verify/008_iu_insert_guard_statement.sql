-- iu_guard_insert is one enabled AFTER INSERT statement-level trigger with its transition table,
-- no per-row insert guard is left, and the writer role can create its temporary staging table.
SELECT EXISTS (
         SELECT 1 FROM pg_trigger
          WHERE tgrelid = 'cutter.iu'::regclass AND tgname = 'iu_guard_insert' AND NOT tgisinternal
            AND tgenabled IN ('O', 'A') AND tgnewtable = 'iu_new'
            AND (tgtype & 1) = 0 AND (tgtype & 2) = 0 AND (tgtype & 4) = 4)
   AND to_regprocedure('cutter.fn_iu_guard_insert()') IS NULL
   AND has_database_privilege('orchestrator_writer', current_database(), 'TEMPORARY') AS ok;
