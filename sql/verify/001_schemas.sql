SELECT count(*) = 2 AS ok FROM pg_namespace WHERE nspname IN ('cutter', 'cutter_governance');
