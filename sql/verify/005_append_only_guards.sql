-- Every guarded table has its row guard and its TRUNCATE guard.
SELECT (SELECT count(*) FROM pg_trigger t
          JOIN pg_proc p ON p.oid = t.tgfoid
         WHERE p.proname = 'fn_reject_mutation' AND NOT t.tgisinternal) = 14 AS ok;
