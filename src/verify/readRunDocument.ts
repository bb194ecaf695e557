/**
 * Reads back a run document written by the one report renderer (`src/reports/renderReport.ts`,
 * DESIGN §7): its title line, header block, the Inputs and Verdict YAML, the Artifacts table and
 * the Work-performed bullets. What `verify --kb-only` builds its chain from (issue 9).
 */
import { parse } from 'yaml';

/** One row of a report's "5. Artifacts produced" table. */
export interface ArtifactRow {
  path: string;
  sha256: string;
  bytes: number;
}

/** A run document as read back. Fields the text lacks are empty, never invented. */
export interface RunDocumentText {
  /** Run id of the title line (`# … · 03 of 11 · <run_id>`), undefined when the title does not parse. */
  titleRunId: string | undefined;
  /** `key : value` lines of the header block (`phase`, `document_id`, `source_version`, `run_id`, …). */
  header: Record<string, string>;
  /** The "1. Inputs" YAML, `{}` when absent or unparsable. */
  inputs: Record<string, unknown>;
  /** The "6. Verdict" YAML, `{}` when absent or unparsable. */
  verdict: Record<string, unknown>;
  /** Rows of the "5. Artifacts produced" table. */
  artifacts: ArtifactRow[];
  /** Bullets of "2. Work performed". */
  work: string[];
}

const TITLE = /^# .+ · (?:\d{2} of 11|SG[12]) · ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** The lines of section `n` (from its `## n.` heading to the next `## ` heading). */
function section(lines: readonly string[], n: number): string[] {
  const start = lines.findIndex((l) => l.startsWith(`## ${n}. `));
  if (start < 0) return [];
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((l) => l.startsWith('## '));
  return end < 0 ? rest : rest.slice(0, end);
}

/** The first fenced YAML block of `lines`, parsed; `{}` when there is none or it is not a map. */
function yamlBlock(lines: readonly string[]): Record<string, unknown> {
  const open = lines.findIndex((l) => l === '```yaml');
  if (open < 0) return {};
  const close = lines.findIndex((l, i) => i > open && l === '```');
  if (close < 0) return {};
  try {
    const value: unknown = parse(lines.slice(open + 1, close).join('\n'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * Parses a run document's text. Never throws: a document that does not follow the template reads
 * back with empty parts, which the caller's checks then report.
 * @param text - the committed bytes decoded as UTF-8
 */
export function readRunDocument(text: string): RunDocumentText {
  const lines = text.split('\n');
  const titleRunId = TITLE.exec(lines[0] ?? '')?.[1];
  const header: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    if (line.startsWith('## ')) break;
    const m = /^> ([a-z_]+) : (.*)$/.exec(line);
    if (m !== null) header[m[1]!] = m[2]!;
  }
  const artifacts: ArtifactRow[] = [];
  for (const line of section(lines, 5)) {
    const m = /^\| (\S+) \| ([0-9a-f]{64}) \| (\d+) \|$/.exec(line);
    if (m !== null) artifacts.push({ path: m[1]!, sha256: m[2]!, bytes: Number(m[3]) });
  }
  const work = section(lines, 2).filter((l) => l.startsWith('- ')).map((l) => l.slice(2));
  return { titleRunId, header, inputs: yamlBlock(section(lines, 1)), verdict: yamlBlock(section(lines, 6)), artifacts, work };
}

/**
 * Every value a document declares for one of `names`, found at any depth of its Inputs and
 * Verdict YAML (`digests.region_sha`, `ids.change_set_id`), as strings.
 * @returns name → the distinct values declared (usually one)
 */
export function declaredValues(doc: RunDocumentText, names: readonly string[]): Map<string, Set<string>> {
  const wanted = new Set(names);
  const found = new Map<string, Set<string>>();
  const walk = (value: unknown): void => {
    if (typeof value !== 'object' || value === null) return;
    for (const [key, inner] of Object.entries(value)) {
      if (wanted.has(key) && (typeof inner === 'string' || typeof inner === 'number')) {
        const set = found.get(key) ?? new Set<string>();
        set.add(String(inner));
        found.set(key, set);
      } else walk(inner);
    }
  };
  walk(doc.inputs);
  walk(doc.verdict);
  return found;
}
