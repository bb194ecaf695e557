/**
 * The error a promise rejects with, asserted to be of the expected class (a resolve fails the test).
 */
import { expect } from 'vitest';

/**
 * Awaits `promise` and returns its rejection.
 * @param type - the class the rejection must be an instance of
 * @throws an assertion error when the promise resolves or rejects with another class
 */
export async function rejectionOf<E extends Error>(promise: Promise<unknown>, type: abstract new (...args: never[]) => E): Promise<E> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(type);
  return error as E;
}
