/**
 * The correlation id of the work in progress (a job's id), carried through every await by
 * AsyncLocalStorage. The process logger (`logger.ts`) adds it to every line logged inside the job —
 * the engine's, the providers', the queue's — without handing a child logger down every call.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface Correlation {
  jobId: string;
  jobType?: string;
  tenantId?: string;
}

const current = new AsyncLocalStorage<Correlation>();

export function withCorrelation<T>(correlation: Correlation, fn: () => Promise<T>): Promise<T> {
  return current.run(correlation, fn);
}

/** The fields to add to a log line: the current job's, or none. */
export function correlationFields(): Partial<Correlation> {
  return current.getStore() ?? {};
}
