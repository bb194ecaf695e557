/**
 * The ordered steps of a governed cut: 11 phases and 2 sovereign gates (DESIGN §4) — the one step
 * table of the project.
 *
 * The machine (`cutMachine.ts`) lists these states literally in this order; the run documents
 * (`src/kb/runDocuments.ts`), the sidecar's phase list and key rules (`src/sidecar/phases.ts`), the
 * failpoint scopes and `toMermaid` all derive from this table.
 */

/** `phase`: does work and uploads its report; `gate`: a sovereign authorisation (SG1, SG2). */
export type StepKind = 'phase' | 'gate';

/**
 * How a phase's idempotency key is made (reference §4): `sha256` of its inputs, or `uuid` — the
 * UUIDv7 id of the database row the phase wrote (DESIGN §5 layer 2). Gates persist no key.
 */
export type KeyRule = 'sha256' | 'uuid' | null;

/** One step of the cut (DESIGN §3, §4; reference §1, §4). */
export interface StepInfo {
  /** State name, actor src and invoke id of the step (DESIGN §4 "phase" column). */
  readonly name: string;
  readonly kind: StepKind;
  /** `'01'`…`'11'` for phases (the report prefix), `'SG1'` / `'SG2'` for gates. */
  readonly label: string;
  /** Human name on the report's title line (reference §2), e.g. `Pre-Write Backup`. */
  readonly title: string;
  /** KB document file name without `-<date>.md` (reference §1), e.g. `04-pre-write-backup`. */
  readonly stem: string;
  /** How the phase's key is made; null for a gate. */
  readonly key: KeyRule;
}

/** Every step in DESIGN §4 order. */
export const STEPS = [
  { name: 'source_pin', kind: 'phase', label: '01', title: 'Source Pin', stem: '01-source-pin', key: 'sha256' },
  { name: 'mark', kind: 'phase', label: '02', title: 'Mark', stem: '02-mark', key: 'sha256' },
  { name: 'cutplan', kind: 'phase', label: '03', title: 'Cut Plan', stem: '03-cutplan', key: 'sha256' },
  { name: 'backup', kind: 'phase', label: '04', title: 'Pre-Write Backup', stem: '04-pre-write-backup', key: 'sha256' },
  { name: 'grant_probe', kind: 'phase', label: '05', title: 'Grant Probe', stem: '05-grant-probe', key: 'sha256' },
  { name: 'SG1', kind: 'gate', label: 'SG1', title: 'Cut Authorisation Request', stem: 'SG1-cut-authz-request', key: null },
  { name: 'cut_leg_a', kind: 'phase', label: '06', title: 'Cut Leg A', stem: '06-cut-leg-a', key: 'uuid' },
  { name: 'structural_verify', kind: 'phase', label: '07', title: 'Structural Verify', stem: '07-structural-verify', key: 'sha256' },
  { name: 'leg_b_record', kind: 'phase', label: '08', title: 'Leg B Record', stem: '08-leg-b-record', key: 'uuid' },
  { name: 'write_verify', kind: 'phase', label: '09', title: 'Write Verify', stem: '09-write-verify', key: 'uuid' },
  { name: 'SG2', kind: 'gate', label: 'SG2', title: 'Lifecycle Authorisation Request', stem: 'SG2-lifecycle-authz-request', key: null },
  { name: 'lifecycle_enact', kind: 'phase', label: '10', title: 'Lifecycle Enact', stem: '10-lifecycle-enact', key: 'uuid' },
  { name: 'closeout', kind: 'phase', label: '11', title: 'Final Orchestrator Report', stem: '11-final-orchestrator-report', key: 'sha256' },
] as const satisfies readonly StepInfo[];

/** Name of any step (phase or gate). */
export type StepName = (typeof STEPS)[number]['name'];

/** Name of a phase (a step that persists an idempotency key, reference §4). */
export type PhaseName = Extract<(typeof STEPS)[number], { kind: 'phase' }>['name'];

/** Name of a sovereign gate: `SG1` (cut authorisation) or `SG2` (lifecycle authorisation). */
export type GateName = Extract<(typeof STEPS)[number], { kind: 'gate' }>['name'];

/** A phase whose key is the UUIDv7 of the row it wrote. */
export type UuidKeyPhase = Extract<(typeof STEPS)[number], { key: 'uuid' }>['name'];

/** Every step name, in order. */
export const STEP_NAMES: readonly StepName[] = STEPS.map((s) => s.name);

/** Every phase name, in order. */
export const PHASE_NAMES: readonly PhaseName[] = STEPS.flatMap((s) => (s.kind === 'phase' ? [s.name] : []));

/** Every gate name, in order. */
export const GATE_NAMES: readonly GateName[] = STEPS.flatMap((s) => (s.kind === 'gate' ? [s.name] : []));

/** Phases whose key is a database row id (reference §4). */
export const UUID_KEY_PHASES: readonly UuidKeyPhase[] = STEPS.flatMap((s) => (s.key === 'uuid' ? [s.name] : []));

/** The step table row of `name`. */
export function stepInfo(name: StepName): (typeof STEPS)[number] {
  const info = STEPS.find((s) => s.name === name);
  if (info === undefined) throw new Error(`unknown step ${name}`);
  return info;
}

/** True when `name` is one of {@link STEP_NAMES}. */
export function isStepName(name: unknown): name is StepName {
  return typeof name === 'string' && (STEP_NAMES as readonly string[]).includes(name);
}

/** True when `step` is a sovereign gate (SG1, SG2). */
export function isGate(step: unknown): step is GateName {
  return typeof step === 'string' && (GATE_NAMES as readonly string[]).includes(step);
}

/** The step after `step` in DESIGN §4 order, or `null` after `closeout`. */
export function stepAfter(step: StepName): StepName | null {
  const i = STEP_NAMES.indexOf(step);
  return STEP_NAMES[i + 1] ?? null;
}
