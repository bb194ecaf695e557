/**
 * Checks that a run's persisted phase keys chain (reference §4; DESIGN §5 "resume reads
 * every persisted key and re-validates it").
 *
 * Each present key is recomputed from the run's identity, its pinned digests and the *persisted*
 * key of the previous phase, so a tampered key is reported at its own phase (and at closeout,
 * which covers every key). Keys must be contiguous: a missing key followed by a present one is a
 * gap. Errors are returned as data; nothing is thrown.
 */
import type { RunView } from '../../machines/runView.js';
import type { PinName } from '../../machines/types.js';
import { PHASES, type Phase } from './phases.js';
import {
  backupKey,
  closeoutKey,
  cutLegAKey,
  cutplanKey,
  grantProbeKey,
  legBRecordKey,
  lifecycleEnactKey,
  markKey,
  sourcePinKey,
  structuralVerifyKey,
  writeVerifyKey,
} from './phaseKeys.js';

/** One link of the chain that does not hold. `expected` is null when it cannot be computed. */
export interface KeyChainMismatch {
  phase: Phase;
  expected: string | null;
  found: string | null;
  reason: string;
}

type Inputs = Pick<RunView, 'document_id' | 'source_version_id' | 'pins' | 'keys'>;

/** An input of a key formula: its value, or the name of the missing field. */
type Input = { value: string } | { missing: string };

function pin(ctx: Inputs, name: PinName): Input {
  const value = ctx.pins[name];
  return value == null ? { missing: `pins.${name}` } : { value };
}

function key(ctx: Inputs, phase: Phase): Input {
  const value = ctx.keys[phase];
  return value == null ? { missing: `keys.${phase}` } : { value };
}

function derive(inputs: Input[], formula: (...values: string[]) => string): string | { missing: string[] } {
  const missing = inputs.flatMap((i) => ('missing' in i ? [i.missing] : []));
  if (missing.length > 0) return { missing };
  return formula(...inputs.map((i) => (i as { value: string }).value));
}

function expectedKey(ctx: Inputs, phase: Phase): string | { missing: string[] } {
  switch (phase) {
    case 'source_pin':
      return sourcePinKey(ctx.document_id, ctx.source_version_id);
    case 'mark':
      return derive([key(ctx, 'source_pin'), pin(ctx, 'region_sha')], markKey);
    case 'cutplan':
      return derive([pin(ctx, 'writer_digest')], cutplanKey);
    case 'backup':
      return derive([key(ctx, 'cutplan'), pin(ctx, 'backup_sha')], backupKey);
    case 'grant_probe':
      return derive([key(ctx, 'backup'), pin(ctx, 'grant_probe_sha')], grantProbeKey);
    case 'cut_leg_a':
      return derive([pin(ctx, 'change_set_id')], cutLegAKey);
    case 'structural_verify':
      return derive([pin(ctx, 'change_set_id'), pin(ctx, 'structural_verify_payload_sha')], structuralVerifyKey);
    case 'leg_b_record':
      return derive([pin(ctx, 'manifest_envelope_id')], legBRecordKey);
    case 'write_verify':
      return derive([pin(ctx, 'verify_result_id')], writeVerifyKey);
    case 'lifecycle_enact':
      return derive([pin(ctx, 'review_decision_id')], lifecycleEnactKey);
    case 'closeout':
      return derive([...PHASES.slice(0, 10).map((p) => key(ctx, p)), pin(ctx, 'final_report_sha')], (...values) =>
        closeoutKey(values.slice(0, 10), values[10] ?? ''),
      );
  }
}

/**
 * Lists every link of the key chain that does not hold (empty list = the chain is intact).
 *
 * @param ctx - the run's identity, pins and keys (a RunView fits)
 * @returns mismatches in phase order, each with the expected key (null when an input is missing),
 *   the persisted one and a short reason
 */
export function verifyKeyChain(ctx: Inputs): KeyChainMismatch[] {
  const mismatches: KeyChainMismatch[] = [];
  const lastPresent = PHASES.reduce((last, p, i) => (ctx.keys[p] == null ? last : i), -1);
  PHASES.forEach((phase, index) => {
    const found = ctx.keys[phase] ?? null;
    if (found === null) {
      if (index < lastPresent) {
        mismatches.push({ phase, expected: null, found, reason: `key missing while a later phase (${PHASES[lastPresent]}) has one` });
      }
      return;
    }
    const expected = expectedKey(ctx, phase);
    if (typeof expected !== 'string') {
      mismatches.push({ phase, expected: null, found, reason: `cannot recompute: missing ${expected.missing.join(', ')}` });
    } else if (expected !== found) {
      mismatches.push({ phase, expected, found, reason: 'persisted key differs from the recomputed one' });
    }
  });
  return mismatches;
}
