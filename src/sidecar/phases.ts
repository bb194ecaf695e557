/**
 * The 11 phases of a cut, in execution order, and the two sovereign gates (DESIGN §4, reference §4),
 * derived from the one step table `machines/steps.ts`.
 *
 * The order matters: the key chain links each phase to its predecessor, and the closeout key
 * concatenates every prior key in exactly this order.
 */
import { GATE_NAMES, PHASE_NAMES, UUID_KEY_PHASES as STEP_UUID_KEY_PHASES, type GateName, type PhaseName } from '../../machines/steps.js';

/** Phase names in execution order (DESIGN §4). Index + 1 is the report number `NN`. */
export const PHASES: readonly PhaseName[] = PHASE_NAMES;

/** One of the 11 phase names. */
export type Phase = PhaseName;

/** The two sovereign gates (DESIGN §4, §6): SG1 before cut_leg_a, SG2 before lifecycle_enact. */
export const GATES: readonly GateName[] = GATE_NAMES;

/** `SG1` (cut authorisation) or `SG2` (lifecycle authorisation). */
export type Gate = GateName;

/** Phases whose key is a database row id (UUIDv7) rather than a sha256 (reference §4). */
export const UUID_KEY_PHASES = STEP_UUID_KEY_PHASES;
