/**
 * Test data: RunContexts built from the sample statute shipped in `knowledge/samples` (the Sample
 * Open Records Act), with every pin and key computed by the real key functions. Not a test file;
 * imported by sidecar and approval tests.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { uuidv7 } from 'uuidv7';
import { newSidecar } from '../../../src/sidecar/newSidecar.js';
import * as k from '../../../src/sidecar/phaseKeys.js';
import type { Sidecar } from '../../../src/sidecar/runContextSchema.js';
import { STEP_NAMES } from '../../../machines/steps.js';
import type { CutContext, Keys, Pins } from '../../../machines/types.js';
import { SAMPLE_STATUTE } from '../../support/corpus.js';

/** The sample statute's source text. */
function sampleText(): string {
  return readFileSync(SAMPLE_STATUTE.source, 'utf8');
}

function sha(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A persisted-snapshot stand-in with a valid context (the sidecar's shape, not a replay of the machine). */
export function sampleSnapshot(sidecar: Sidecar, context: Partial<CutContext>, status: 'active' | 'done' = 'done', value: unknown = 'done'): unknown {
  const none = { verdict: null, accepted: null, refused: [], since: null };
  return {
    status,
    value,
    historyValue: {},
    children: {},
    context: {
      snapshot_version: 2, run_id: sidecar.run_id, document_id: sidecar.document_id, pins: {}, keys: {}, uploads: {}, stop: null, completed: [],
      approvals: { SG1: none, SG2: none },
      ...context,
    },
  };
}

/** A run just created for the sample statute (no snapshot yet). */
export function freshRunContext(runId: string = uuidv7()): Sidecar {
  const source = sampleText();
  return newSidecar({
    run_id: runId,
    document_id: SAMPLE_STATUTE.lawId,
    law_id: SAMPLE_STATUTE.lawId,
    doc_prefix: SAMPLE_STATUTE.docPrefix,
    source_version_id: sha(source),
    kb_folder: `knowledge/dev/laws/${SAMPLE_STATUTE.lawId}/v${sha(source).slice(0, 16)}-automation-cut-20260520`,
    actor: 'tester@host',
    now: new Date('2026-05-20T10:00:00.000Z'),
  });
}

/** A completed run: every pin set and every key chained through closeout. */
export function completeRunContext(runId: string = uuidv7()): Sidecar {
  const ctx = freshRunContext(runId);
  const source = sampleText();
  const pins = {
    manifest_digest: sha(`manifest:${source}`),
    region_sha: sha(source.slice(100, 50_000)),
    writer_digest: sha(`writer:${source}`),
    backup_sha: sha('backup bytes'),
    grant_probe_sha: sha('grant probe'),
    change_set_id: uuidv7(),
    manifest_envelope_id: uuidv7(),
    verify_result_id: uuidv7(),
    review_decision_id: uuidv7(),
    structural_verify_payload_sha: sha('structural payload'),
    final_report_sha: sha('final report'),
  };
  const source_pin = k.sourcePinKey(ctx.document_id, ctx.source_version_id);
  const mark = k.markKey(source_pin, pins.region_sha);
  const cutplan = k.cutplanKey(pins.writer_digest);
  const backup = k.backupKey(cutplan, pins.backup_sha);
  const grant_probe = k.grantProbeKey(backup, pins.grant_probe_sha);
  const cut_leg_a = k.cutLegAKey(pins.change_set_id);
  const structural_verify = k.structuralVerifyKey(pins.change_set_id, pins.structural_verify_payload_sha);
  const leg_b_record = k.legBRecordKey(pins.manifest_envelope_id);
  const write_verify = k.writeVerifyKey(pins.verify_result_id);
  const lifecycle_enact = k.lifecycleEnactKey(pins.review_decision_id);
  const prior = [source_pin, mark, cutplan, backup, grant_probe, cut_leg_a, structural_verify, leg_b_record, write_verify, lifecycle_enact];
  const closeout = k.closeoutKey(prior, pins.final_report_sha);
  const keys: Keys = { source_pin, mark, cutplan, backup, grant_probe, cut_leg_a, structural_verify, leg_b_record, write_verify, lifecycle_enact, closeout };
  return {
    ...ctx,
    snapshot: sampleSnapshot(ctx, { pins: pins as Pins, keys, completed: [...STEP_NAMES] }),
    updated_at: '2026-05-20T11:00:00.000Z',
  };
}

/** `sidecar` with its snapshot's context edited by `edit` (a deep copy; the original is untouched). */
export function withContext(sidecar: Sidecar, edit: (context: Record<string, unknown>) => void): Sidecar {
  const copy = JSON.parse(JSON.stringify(sidecar)) as Sidecar & { snapshot: { context: Record<string, unknown> } };
  edit(copy.snapshot.context);
  return copy;
}
