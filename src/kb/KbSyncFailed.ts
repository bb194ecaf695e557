/**
 * `KbStore.sync` failed (fetch or rebase onto `origin`): the fact lives with the other stop facts in
 * src/stops/facts.ts; re-exported here for the KB's callers.
 */
export { KbSyncFailed } from '../stops/facts.js';
