/**
 * The ordered steps of a governed cut: 11 phases and 2 sovereign gates (DESIGN §4).
 *
 * This list is the single source of the machine's shape: {@link createCutMachine} builds one
 * compound state per entry, in this order, and `toMermaid` draws them in this order.
 */

/** `phase`: does work and uploads its report; `gate`: a sovereign authorisation (SG1, SG2). */
export type StepKind = 'phase' | 'gate';

/** One step of the cut: its state name, its kind and its number label in the KB folder (DESIGN §3). */
export interface StepInfo {
  /** State name, actor src and invoke id of the step (DESIGN §4 "phase" column). */
  readonly name: string;
  readonly kind: StepKind;
  /** `'01'`…`'11'` for phases (the report prefix), `'SG1'` / `'SG2'` for gates. */
  readonly label: string;
}

/** Every step in DESIGN §4 order. */
export const STEPS = [
  { name: 'source_pin', kind: 'phase', label: '01' },
  { name: 'mark', kind: 'phase', label: '02' },
  { name: 'cutplan', kind: 'phase', label: '03' },
  { name: 'backup', kind: 'phase', label: '04' },
  { name: 'grant_probe', kind: 'phase', label: '05' },
  { name: 'SG1', kind: 'gate', label: 'SG1' },
  { name: 'cut_leg_a', kind: 'phase', label: '06' },
  { name: 'structural_verify', kind: 'phase', label: '07' },
  { name: 'leg_b_record', kind: 'phase', label: '08' },
  { name: 'write_verify', kind: 'phase', label: '09' },
  { name: 'SG2', kind: 'gate', label: 'SG2' },
  { name: 'lifecycle_enact', kind: 'phase', label: '10' },
  { name: 'closeout', kind: 'phase', label: '11' },
] as const satisfies readonly StepInfo[];

/** Name of any step (phase or gate). */
export type StepName = (typeof STEPS)[number]['name'];

/** Name of a phase (a step that persists an idempotency key, reference §4). */
export type PhaseName = Extract<(typeof STEPS)[number], { kind: 'phase' }>['name'];

/** Name of a sovereign gate. */
export type GateName = Extract<(typeof STEPS)[number], { kind: 'gate' }>['name'];

/** Every step name, in order. */
export const STEP_NAMES: readonly StepName[] = STEPS.map((s) => s.name);

/** Every phase name, in order. */
export const PHASE_NAMES: readonly PhaseName[] = STEPS.flatMap((s) => (s.kind === 'phase' ? [s.name] : []));

/** Every gate name, in order. */
export const GATE_NAMES: readonly GateName[] = STEPS.flatMap((s) => (s.kind === 'gate' ? [s.name] : []));

/** True when `name` is one of {@link STEP_NAMES}. */
export function isStepName(name: unknown): name is StepName {
  return typeof name === 'string' && (STEP_NAMES as readonly string[]).includes(name);
}

/** True when `step` is a sovereign gate (SG1, SG2). */
export function isGate(step: StepName): step is GateName {
  return (GATE_NAMES as readonly string[]).includes(step);
}

/** The step after `step` in DESIGN §4 order, or `null` after `closeout`. */
export function stepAfter(step: StepName): StepName | null {
  const i = STEP_NAMES.indexOf(step);
  return STEP_NAMES[i + 1] ?? null;
}
