/**
 * Run ids as users type them (issue 9): canonical, or the runs-index's compact form (no hyphens),
 * in any case. Kept free of heavy imports: the CLI parses `--run-id` with it before any command loads.
 */

const UUID = /^([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})$/i;

/** The canonical (hyphenated, lower-case) form of a UUID given with or without hyphens; undefined when it is none. */
export function normaliseRunId(value: string): string | undefined {
  const m = UUID.exec(value.trim());
  return m === null ? undefined : m.slice(1, 6).join('-').toLowerCase();
}
