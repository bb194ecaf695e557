/**
 * Adds what the caller knows (the run, what was and was not written) to whatever `work` rejects
 * with, so a low layer's plain fact (e.g. `KbSyncFailed`) reaches `stopReport` / `stopFromError`
 * with the run's facts — without re-wording or re-classifying it (one stop model, issue 8).
 */

/** The facts a caller may add; an error that already carries one keeps its own. */
export interface CallerFacts {
  runId?: string;
  written?: string[];
  notWritten?: string[];
}

/**
 * @returns what `work` resolves with
 * @throws the same error `work` rejected with, carrying the facts it lacked as own properties
 *   (`runId`, `written`, `notWritten`; read by `factsOf`)
 */
export async function withFacts<T>(work: Promise<T>, facts: CallerFacts): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw addFacts(error, facts);
  }
}

/**
 * {@link withFacts} for an error already caught: adds the facts `error` lacks as own
 * (non-enumerable) properties.
 * @returns `error` itself, to rethrow
 */
export function addFacts(error: unknown, facts: CallerFacts): unknown {
  if (typeof error === 'object' && error !== null && Object.isExtensible(error)) {
    const target = error as Record<string, unknown>;
    for (const [name, value] of Object.entries(facts)) {
      if (value !== undefined && target[name] === undefined) Object.defineProperty(target, name, { value, enumerable: false, configurable: true, writable: true });
    }
  }
  return error;
}
