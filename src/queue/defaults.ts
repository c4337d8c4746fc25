/**
 * Queue defaults, merged once (product.md "Queue and reliability"): 3 attempts, 2 s exponential
 * backoff base, high priority runs at once while medium/low debounce so a burst of webhooks for one
 * calendar coalesces into one sync.
 */
import type { Priority } from '../model/event.js';
import type { JobSpec } from './types.js';

export const DEFAULT_ATTEMPTS = 3;
export const DEFAULT_BACKOFF_MS = 2_000;
export const DEFAULT_CONCURRENCY = 4;
export const DEFAULT_LEASE_MS = 30_000;

/** Debounce applied when a spec gives no `delayMs`. */
export const DEFAULT_DEBOUNCE_MS: Readonly<Record<Priority, number>> = { high: 0, medium: 1_000, low: 5_000 };

/** Lower rank runs first; shared by both backends (BullMQ priority = rank + 1, 1 being highest). */
export const PRIORITY_RANK: Readonly<Record<Priority, number>> = { high: 0, medium: 1, low: 2 };
const BY_RANK: readonly Priority[] = ['high', 'medium', 'low'];

export function priorityOfRank(rank: number): Priority {
  return BY_RANK[rank] ?? 'low';
}

/** A spec with every default filled in. */
export interface ResolvedSpec<P> {
  type: string;
  tenantId: string;
  payload: P;
  priority: Priority;
  key: string | undefined;
  mutex: string | undefined;
  delayMs: number;
  attempts: number;
  backoffMs: number;
}

export function resolveSpec<P>(spec: JobSpec<P>, debounce: Readonly<Record<Priority, number>> = DEFAULT_DEBOUNCE_MS): ResolvedSpec<P> {
  return {
    type: spec.type,
    tenantId: spec.tenantId,
    payload: spec.payload,
    priority: spec.priority,
    key: spec.key,
    mutex: spec.mutex,
    delayMs: Math.max(0, spec.delayMs ?? debounce[spec.priority]),
    attempts: Math.max(1, spec.attempts ?? DEFAULT_ATTEMPTS),
    backoffMs: Math.max(0, spec.backoffMs ?? DEFAULT_BACKOFF_MS),
  };
}
