/**
 * Checking and restoring a persisted cut-machine snapshot (STACK-NOTES "XState v5", DESIGN §5).
 *
 * A snapshot naming a state that no longer exists, or an actor src nobody provides, would put a
 * restored actor in `error` status or leave it waiting forever. So the runner restores only
 * through {@link restoreCutActor}, which refuses such a snapshot with a typed reason instead.
 */
import { createActor } from 'xstate';
import type { Actor, ActorOptions, AnyStateNode, Snapshot } from 'xstate';
import { parseCutContext } from './cutContextSchema.js';
import { SNAPSHOT_VERSION } from './cutMachine.js';
import type { CutMachine } from './cutMachine.js';
import type { CutInput } from './types.js';

/** Why a persisted snapshot was refused. */
export type SnapshotRefusal = 'not_a_snapshot' | 'version' | 'status' | 'unknown_state' | 'unknown_actor' | 'bad_context';

/** Result of {@link isCompatibleSnapshot}: the snapshot as xstate takes it, or a refusal. */
export type SnapshotCheck = { ok: true; snapshot: Snapshot<unknown> } | { ok: false; reason: SnapshotRefusal; message: string };

/** Result of {@link restoreCutActor}: a created (not started) actor, or a refusal. */
export type RestoreResult = { ok: true; actor: Actor<CutMachine> } | { ok: false; reason: SnapshotRefusal; message: string };

interface PersistedChild {
  src?: unknown;
}

/**
 * Checks that `persisted` (e.g. `JSON.parse` of the sidecar) is a snapshot this `machine` can
 * resume: an object with `status` `active` or `done`, `context.snapshot_version` equal to
 * {@link SNAPSHOT_VERSION}, a context that passes the schema, a `value` naming existing states
 * down to a leaf, and for every invoke of the active states a child whose `src` the machine
 * provides. Never throws.
 *
 * @returns `{ ok: true, snapshot }` to pass to `createActor`, or `{ ok: false, reason, message }`.
 */
export function isCompatibleSnapshot(machine: CutMachine, persisted: unknown): SnapshotCheck {
  if (typeof persisted !== 'object' || persisted === null) return refuse('not_a_snapshot', 'the persisted snapshot is not an object');
  const snap = persisted as Record<string, unknown>;
  const ctx = snap['context'];
  const version = typeof ctx === 'object' && ctx !== null ? (ctx as Record<string, unknown>)['snapshot_version'] : undefined;
  if (version !== SNAPSHOT_VERSION) {
    return refuse('version', `snapshot version ${JSON.stringify(version ?? null)} is not ${SNAPSHOT_VERSION}: this orchestrator cannot resume it`);
  }
  if (snap['status'] !== 'active' && snap['status'] !== 'done') {
    return refuse('status', `snapshot status ${JSON.stringify(snap['status'] ?? null)} cannot be resumed (expected active or done)`);
  }
  const parsed = parseCutContext(ctx);
  if (!parsed.ok) return refuse('bad_context', `snapshot context is invalid: ${parsed.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  const active: AnyStateNode[] = [];
  const stateProblem = walkValue(machine.root, snap['value'], '', active);
  if (stateProblem !== null) return refuse('unknown_state', stateProblem);
  const children = typeof snap['children'] === 'object' && snap['children'] !== null ? (snap['children'] as Record<string, PersistedChild>) : {};
  const provided = machine.implementations.actors;
  for (const [id, child] of Object.entries(children)) {
    if (typeof child.src !== 'string' || !(child.src in provided)) return refuse('unknown_actor', `child ${id} names an actor src nobody provides: ${JSON.stringify(child.src ?? null)}`);
  }
  for (const node of active) {
    for (const inv of node.invoke) {
      if (children[inv.id] === undefined) return refuse('unknown_actor', `state ${node.id} invokes ${inv.id} but the snapshot holds no such child`);
    }
  }
  return { ok: true, snapshot: persisted as Snapshot<unknown> };
}

/**
 * Creates an actor of `machine` from `persisted` after {@link isCompatibleSnapshot}; the caller
 * subscribes (to errors too) and then calls `start()`. On start, an invoke that was pending when
 * the snapshot was taken runs again from scratch (STACK-NOTES), so phases must adopt their effects.
 *
 * @returns `{ ok: true, actor }`, or `{ ok: false, reason, message }` — never throws for a bad snapshot.
 */
export function restoreCutActor(
  machine: CutMachine,
  persisted: unknown,
  options: Omit<ActorOptions<CutMachine>, 'snapshot' | 'input'> & { input: CutInput },
): RestoreResult {
  const check = isCompatibleSnapshot(machine, persisted);
  if (!check.ok) return check;
  return { ok: true, actor: createActor(machine, { ...options, snapshot: check.snapshot }) };
}

function refuse(reason: SnapshotRefusal, message: string): { ok: false; reason: SnapshotRefusal; message: string } {
  return { ok: false, reason, message };
}

function walkValue(node: AnyStateNode, value: unknown, path: string, active: AnyStateNode[]): string | null {
  const states = node.states as Record<string, AnyStateNode>;
  if (typeof value === 'string') {
    const child = Object.hasOwn(states, value) ? states[value] : undefined;
    if (child === undefined) return `state ${path}${value} does not exist in this machine`;
    if (child.type === 'compound' || child.type === 'parallel') return `state ${path}${value} needs a substate`;
    active.push(child);
    return null;
  }
  if (typeof value !== 'object' || value === null) return `state value at ${path || '(root)'} is not a string or an object`;
  const entries = Object.entries(value as Record<string, unknown>);
  if (node.type !== 'parallel' && entries.length !== 1) return `state value at ${path || '(root)'} must name exactly one state`;
  for (const [key, sub] of entries) {
    const child = Object.hasOwn(states, key) ? states[key] : undefined;
    if (child === undefined) return `state ${path}${key} does not exist in this machine`;
    active.push(child);
    const problem = walkValue(child, sub, `${path}${key}.`, active);
    if (problem !== null) return problem;
  }
  return null;
}
