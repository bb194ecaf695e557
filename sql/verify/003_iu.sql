SELECT to_regclass('cutter.iu') IS NOT NULL
   AND to_regprocedure('cutter.fn_iu_create(uuid,text,text,text,integer,text,text,text,integer,text,text,text,text)') IS NOT NULL
   AND to_regprocedure('cutter.fn_iu_create_set(uuid,text,text,text[],integer[],text[],text[],text[],integer[],text[],text[],text[],text[])') IS NOT NULL
   AND EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'iu_guard_update' AND NOT tgisinternal)
   AND EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'iu_source_version_address_key' AND contype = 'u') AS ok;
