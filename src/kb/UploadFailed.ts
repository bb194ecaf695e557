/**
 * The KB upload gave up after its retries (DESIGN §3, reference §3): the fact lives with the other
 * stop facts in src/stops/facts.ts (pure, so `machines/` can recognise it); re-exported here for
 * the KB's callers.
 */
export { UploadFailed } from '../stops/facts.js';
