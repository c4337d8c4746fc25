/** Awaits a promise that must reject with a `CalsyncError`, and returns that error for assertions. */
import { CalsyncError } from '../../src/errors.js';

export async function rejection(promise: Promise<unknown>): Promise<CalsyncError> {
  const outcome = await promise.then(
    (value: unknown) => ({ resolved: value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a rejection, got ${JSON.stringify(outcome.resolved)}`);
  if (!(outcome.error instanceof CalsyncError)) throw new Error(`expected a CalsyncError, got ${String(outcome.error)}`);
  return outcome.error;
}
