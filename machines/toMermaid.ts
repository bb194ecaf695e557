/**
 * Draws a state machine as a mermaid `stateDiagram-v2` by walking its definition (pure).
 *
 * The lead exposes it as `orchestrate graph` and embeds it in README.md, so the output is
 * deterministic: states and transitions appear in definition order, nothing depends on time or
 * on object identity.
 */
import type { AnyStateMachine, AnyStateNode } from 'xstate';

/** Prefix of the event a finished invoke sends; drawn as `done(<id>)`. */
const DONE_ACTOR = 'xstate.done.actor.';
/** Prefix of the event a rejected invoke sends; drawn as `error(<id>)`. */
const ERROR_ACTOR = 'xstate.error.actor.';

interface Edge {
  from: string;
  to: string;
  label: string;
  /** Parent whose block holds the edge: both ends inside it; `''` = the diagram root. */
  scope: string;
}

/**
 * Returns the mermaid source of `machine`'s graph.
 *
 * - every state is a mermaid state whose id is its path joined with `__` (`mark__check`) and
 *   whose label is its key; a compound state is a composite block with its initial edge;
 * - edges: invoke `onDone` → `done(<invoke id>)`, `onError` → `error(<invoke id>)`, events by
 *   name (`RESUME`), eventless ones as `always`; a guarded edge appends `if <guard>`, and the
 *   unguarded fallback after guarded ones `else`; a guard's static params are shown
 *   (`if stepPending(mark)`);
 * - states carrying tags get a mermaid class per tag (`class mark__stopped stopped`);
 * - final states get an edge to `[*]`.
 *
 * @example toMermaid(createCutMachine()) // "stateDiagram-v2\n  [*] --> start\n  …"
 */
export function toMermaid(machine: AnyStateMachine): string {
  const edges: Edge[] = [];
  const tagged = new Map<string, string[]>();
  collect(machine.root, edges, tagged);
  const lines = ['stateDiagram-v2'];
  writeBlock(machine.root, '  ', edges, lines);
  for (const e of edges.filter((x) => x.scope === '')) lines.push(`  ${edgeLine(e)}`);
  for (const [tag, ids] of [...tagged.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`  classDef ${tag} fill:#fde2e2,stroke:#b42318`);
    for (const id of ids) lines.push(`  class ${id} ${tag}`);
  }
  return `${lines.join('\n')}\n`;
}

function idOf(node: AnyStateNode): string {
  return node.path.length === 0 ? '[*]' : node.path.join('__');
}

function childrenOf(node: AnyStateNode): AnyStateNode[] {
  return Object.values(node.states as Record<string, AnyStateNode>);
}

function writeBlock(node: AnyStateNode, indent: string, edges: Edge[], lines: string[]): void {
  const initial = node.initial.target[0];
  if (initial !== undefined) lines.push(`${indent}[*] --> ${idOf(initial)}`);
  for (const child of childrenOf(node)) {
    const id = idOf(child);
    if (childrenOf(child).length === 0) {
      if (id !== child.key) lines.push(`${indent}state "${child.key}" as ${id}`);
      else lines.push(`${indent}state ${id}`);
      if (child.type === 'final') lines.push(`${indent}${id} --> [*]`);
      continue;
    }
    // Aliased composites are mis-rendered by mermaid (mermaid-js/mermaid#3858): alias only if needed.
    lines.push(id === child.key ? `${indent}state ${id} {` : `${indent}state "${child.key}" as ${id} {`);
    writeBlock(child, `${indent}  `, edges, lines);
    for (const e of edges.filter((x) => x.scope === id)) lines.push(`${indent}  ${edgeLine(e)}`);
    lines.push(`${indent}}`);
  }
}

function collect(node: AnyStateNode, edges: Edge[], tagged: Map<string, string[]>): void {
  for (const tag of node.tags) tagged.set(tag, [...(tagged.get(tag) ?? []), idOf(node)]);
  const groups: [string, AnyStateNode['always']][] = [...node.transitions.entries()];
  if (node.always !== undefined) groups.push(['', node.always]);
  for (const [eventType, transitions] of groups) {
    let guardedBefore = false;
    for (const t of transitions ?? []) {
      const guard = guardName(t.guard);
      const label = [eventLabel(eventType), guard !== null ? `if ${guard}` : guardedBefore ? 'else' : ''].filter((s) => s !== '').join(' ');
      guardedBefore ||= guard !== null;
      for (const target of t.target ?? []) edges.push({ from: idOf(node), to: idOf(target), label, scope: commonScope(node, target) });
    }
  }
  for (const child of childrenOf(node)) collect(child, edges, tagged);
}

function eventLabel(eventType: string): string {
  if (eventType === '') return 'always';
  if (eventType.startsWith(DONE_ACTOR)) return `done(${eventType.slice(DONE_ACTOR.length)})`;
  if (eventType.startsWith(ERROR_ACTOR)) return `error(${eventType.slice(ERROR_ACTOR.length)})`;
  return eventType;
}

function guardName(guard: unknown): string | null {
  if (guard === undefined || guard === null) return null;
  if (typeof guard === 'string') return guard;
  if (typeof guard !== 'object' || typeof (guard as { type?: unknown }).type !== 'string') return 'guard';
  const { type, params } = guard as { type: string; params?: unknown };
  // Static params (e.g. the step a guard tests) tell edges apart; computed ones cannot be drawn.
  if (typeof params !== 'object' || params === null) return type;
  const values = Object.values(params).filter((v): v is string | number => typeof v === 'string' || typeof v === 'number');
  return values.length === 0 ? type : `${type}(${values.join(', ')})`;
}

/** The id of the deepest composite holding both ends, `''` for the root. */
function commonScope(a: AnyStateNode, b: AnyStateNode): string {
  const shared: string[] = [];
  for (let i = 0; i < Math.min(a.path.length, b.path.length) - 1; i++) {
    if (a.path[i] !== b.path[i]) break;
    shared.push(a.path[i] as string);
  }
  return shared.join('__');
}

function edgeLine(e: Edge): string {
  return e.label === '' ? `${e.from} --> ${e.to}` : `${e.from} --> ${e.to} : ${e.label}`;
}
