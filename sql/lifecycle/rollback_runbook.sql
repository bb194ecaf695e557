-- Sovereign-only EMERGENCY REVERT of one change set of one document (reference §7, DESIGN §5).
--
-- The orchestrator never runs this file and never deletes. A sovereign runs it by hand, as a
-- superuser, after the change set was voided with a signed void (`orchestrate void`), which
-- recorded a row in cutter_governance.change_set_void:
--
--   psql "$ADMIN_DSN" -v document_id=us-const -v change_set_id=<uuid> -f sql/lifecycle/rollback_runbook.sql
--
-- What it does, in one transaction:
--   1. takes the document's advisory lock (the one cut leg A and lifecycle enact take), and refuses
--      unless the change set belongs to the document, has a change_set_void row, and is the latest
--      word on the document: none of its IUs superseded and no later review decision superseding it
--      (reverting an older change set would put two versions in force);
--   2. puts the IUs this change set superseded (review_decision.superseded_source_version) back
--      in force — the one backward lifecycle move, allowed only here;
--   3. deletes the change set's IUs from cutter.iu.
-- Governance rows (change set, envelope, verify result, review decision, void) are kept: they are
-- the record that the cut happened and was reverted. The pre-write backup of the run
-- (sidecars/<run_id>.backup.gpg, decrypt with the recipient's key) holds the rows as they were
-- before the cut: compare the lifecycle states it lists with the result of step 2 before COMMIT.
\set ON_ERROR_STOP on

BEGIN;

SELECT pg_advisory_xact_lock(hashtext('cutter.document:' || :'document_id'));

CREATE TEMP TABLE rb_scope ON COMMIT DROP AS
SELECT c.change_set_id, c.document_id, c.source_version_id, r.superseded_source_version
  FROM cutter_governance.cut_change_set c
  JOIN cutter_governance.change_set_void v ON v.change_set_id = c.change_set_id
  LEFT JOIN cutter_governance.review_decision r ON r.change_set_id = c.change_set_id
 WHERE c.change_set_id = :'change_set_id'::uuid
   AND c.document_id = :'document_id';

SELECT count(*) = 1 AS scope_ok FROM rb_scope \gset
\if :scope_ok
\else
  \echo 'REFUSED: no voided change set' :'change_set_id' 'for document' :'document_id' '(void it first with orchestrate void)'
  ROLLBACK;
  \quit
\endif

SELECT NOT EXISTS (SELECT 1 FROM cutter.iu i JOIN rb_scope s ON i.change_set_id = s.change_set_id WHERE i.lifecycle_state = 'superseded')
   AND NOT EXISTS (SELECT 1 FROM cutter_governance.review_decision r JOIN cutter_governance.cut_change_set c USING (change_set_id), rb_scope s
                    WHERE c.document_id = s.document_id AND r.superseded_source_version = s.source_version_id) AS latest_ok \gset
\if :latest_ok
\else
  \echo 'REFUSED: change set' :'change_set_id' 'was superseded by a later cut of' :'document_id' '- revert the later change set first'
  ROLLBACK;
  \quit
\endif

-- Guard triggers stay in force for everyone else; replica mode (superuser only) bypasses them
-- for this transaction alone.
SET LOCAL session_replication_role = replica;

UPDATE cutter.iu i
   SET lifecycle_state = 'in_force'
  FROM rb_scope s
 WHERE i.document_id = s.document_id
   AND i.source_version_id = s.superseded_source_version
   AND i.lifecycle_state = 'superseded';

DELETE FROM cutter.iu i
 USING rb_scope s
 WHERE i.change_set_id = s.change_set_id;

SELECT s.document_id, s.change_set_id,
       (SELECT count(*) FROM cutter.iu i WHERE i.change_set_id = s.change_set_id) AS ius_left,
       (SELECT count(*) FROM cutter.iu i WHERE i.document_id = s.document_id AND i.lifecycle_state = 'in_force') AS in_force_now
  FROM rb_scope s;

COMMIT;
