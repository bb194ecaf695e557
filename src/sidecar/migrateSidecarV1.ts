/**
 * Reads a sidecar written by release 0.1.0 (schema 1) as schema 2 (DESIGN §11: a run made by an
 * earlier release verifies — and resumes — under every later one). Pure; the result is validated
 * by `parseSidecar` like any schema-2 sidecar.
 *
 * Schema 1 kept run state twice (top-level `context_pins`, `keys`, `uploads`, `approvals`, `state`,
 * `stop` beside the snapshot) and paused a gate as `SGn.stopped` with the stop `AWAITING_SGn` or
 * `STOP_APPROVAL_INVALID`. Schema 2 keeps the identity and the snapshot only: the snapshot's
 * context gains `approvals` (from the top-level ones, with `since` = the pause's time), a paused
 * gate becomes `SGn.awaiting`, and a `voided` state becomes a `voided` record. The top-level copies
 * are dropped: the snapshot was always the copy the machine resumed from.
 */
import type { GateRecord } from '../../machines/types.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const GATES = ['SG1', 'SG2'] as const;

function gateRecord(v1: Json, gate: (typeof GATES)[number], pausedAt: string | null): GateRecord {
  const approvals = isObject(v1['approvals']) ? v1['approvals'] : {};
  const a = isObject(approvals[gate]) ? approvals[gate] : {};
  const accepted = (isObject(a['accepted']) ? a['accepted'] : null) as GateRecord['accepted'];
  const refused = (Array.isArray(a['refused']) ? a['refused'] : []) as GateRecord['refused'];
  const verdict: GateRecord['verdict'] = accepted !== null
    ? (accepted.decision === 'approve' ? 'approved' : 'denied')
    : refused.length > 0 ? 'invalid' : pausedAt !== null ? 'pending' : null;
  return { verdict, accepted, refused, since: pausedAt };
}

/**
 * @param v1 - a parsed schema-1 sidecar (not validated; whatever is malformed stays malformed and
 *   is reported by the schema-2 validation)
 * @returns the schema-2 sidecar object
 */
export function migrateSidecarV1(v1: Json): Json {
  const stop = isObject(v1['stop']) ? v1['stop'] : null;
  const stopCode = typeof stop?.['code'] === 'string' ? stop['code'] : null;
  const stopAt = typeof stop?.['at'] === 'string' ? stop['at'] : null;
  let snapshot: unknown = v1['snapshot'] ?? null;
  if (isObject(snapshot) && isObject(snapshot['context'])) {
    const value = snapshot['value'];
    const pausedGate = GATES.find((g) => isObject(value) && value[g] === 'stopped' && (stopCode === `AWAITING_${g}` || stopCode === 'STOP_APPROVAL_INVALID'));
    const context: Json = {
      ...snapshot['context'],
      snapshot_version: 2,
      approvals: Object.fromEntries(GATES.map((g) => [g, gateRecord(v1, g, g === pausedGate ? stopAt : null)])),
    };
    if (pausedGate !== undefined) context['stop'] = null;
    snapshot = { ...snapshot, value: pausedGate === undefined ? value : { [pausedGate]: 'awaiting' }, context };
  }
  return {
    schema_version: 2,
    run_id: v1['run_id'],
    document_id: v1['document_id'],
    law_id: v1['law_id'],
    doc_prefix: v1['doc_prefix'],
    source_version_id: v1['source_version_id'],
    kb_folder: v1['kb_folder'],
    actor: v1['actor'],
    created_at: v1['created_at'],
    updated_at: v1['updated_at'],
    voided: v1['state'] === 'voided' ? { at: v1['updated_at'], void_document: null, change_set_void_id: null } : null,
    snapshot,
  };
}
