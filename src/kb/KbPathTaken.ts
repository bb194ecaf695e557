/**
 * A run-folder path already holds different bytes (DESIGN §3: "nothing in a run folder is ever
 * rewritten"): the fact lives with the other stop facts in src/stops/facts.ts; re-exported here for
 * the KB's callers.
 */
export { KbPathTaken, type KbPathTakenWhere } from '../stops/facts.js';
