SELECT to_regclass('cutter.source_version') IS NOT NULL
   AND to_regclass('cutter_governance.cut_change_set') IS NOT NULL
   AND EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'cut_change_set_idempotency_key_key' AND contype = 'u') AS ok;
