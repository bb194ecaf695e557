SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'iu_guard_insert' AND NOT tgisinternal AND tgenabled IN ('O', 'A')) AS ok;
