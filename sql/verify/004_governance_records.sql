SELECT to_regclass('cutter_governance.manifest_envelope') IS NOT NULL
   AND to_regclass('cutter_governance.verify_result') IS NOT NULL
   AND to_regclass('cutter_governance.review_decision') IS NOT NULL
   AND to_regclass('cutter_governance.change_set_void') IS NOT NULL
   AND (SELECT count(*) FROM pg_constraint
         WHERE conname IN ('manifest_envelope_change_set_id_key', 'verify_result_change_set_id_key',
                           'review_decision_change_set_id_key', 'change_set_void_change_set_id_key')
           AND contype = 'u') = 4 AS ok;
