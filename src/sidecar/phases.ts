/**
 * The 11 phases of a cut, in execution order, and the two sovereign gates (DESIGN §4, reference §4).
 *
 * The order matters: the key chain links each phase to its predecessor, and the closeout key
 * concatenates every prior key in exactly this order.
 */

/** Phase names in execution order (DESIGN §4). Index + 1 is the report number `NN`. */
export const PHASES = [
  'source_pin',
  'mark',
  'cutplan',
  'backup',
  'grant_probe',
  'cut_leg_a',
  'structural_verify',
  'leg_b_record',
  'write_verify',
  'lifecycle_enact',
  'closeout',
] as const;

/** One of the 11 phase names. */
export type Phase = (typeof PHASES)[number];

/** The two sovereign gates (DESIGN §4, §6): SG1 before cut_leg_a, SG2 before lifecycle_enact. */
export const GATES = ['SG1', 'SG2'] as const;

/** `SG1` (cut authorisation) or `SG2` (lifecycle authorisation). */
export type Gate = (typeof GATES)[number];

/**
 * Phases whose key is a database row id (UUIDv7) rather than a sha256 (reference §4): the key is
 * the id of the row the phase wrote, so the DB holds it too (DESIGN §5 layer 2).
 */
export const UUID_KEY_PHASES = ['cut_leg_a', 'leg_b_record', 'write_verify', 'lifecycle_enact'] as const satisfies readonly Phase[];
