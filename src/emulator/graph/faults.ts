/**
 * Faults injected through the admin API. Each rule applies to the next `count` matching Graph
 * requests (or indefinitely when count is omitted) and then disappears, so a test states exactly
 * how many failures its client must survive.
 */
import { GraphError } from './graph-error.js';

export type FaultRule =
  | { kind: 'throttle'; retryAfterS: number; code?: string }
  | { kind: 'error'; status: number; code: string; message?: string; retryAfterS?: number }
  | { kind: 'latency'; ms: number }
  /** The request waits, holding its concurrency slot, until `releaseHeld()`: overlap without timing. */
  | { kind: 'hold' };

export interface FaultEntry {
  id: number;
  rule: FaultRule;
  /** Remaining matches; undefined = unlimited. */
  remaining: number | undefined;
  /** Only requests whose path (after /v1.0) starts with this, case-insensitive. */
  pathPrefix: string | undefined;
  /** Only requests with this method. */
  method: string | undefined;
}

export interface FaultSpec {
  rule: FaultRule;
  count?: number;
  pathPrefix?: string;
  method?: string;
}

export class FaultInjector {
  private entries: FaultEntry[] = [];
  private nextId = 1;
  private held: (() => void)[] = [];

  add(spec: FaultSpec): FaultEntry {
    const entry: FaultEntry = {
      id: this.nextId++,
      rule: spec.rule,
      remaining: spec.count,
      pathPrefix: spec.pathPrefix?.toLowerCase(),
      method: spec.method?.toUpperCase(),
    };
    this.entries.push(entry);
    return entry;
  }

  clear(): void {
    this.entries = [];
  }

  /** Resolves when `releaseHeld()` is called (a request matched by a `hold` rule waits on it). */
  hold(): Promise<void> {
    return new Promise((resolve) => this.held.push(resolve));
  }

  /** How many requests are waiting on a `hold` rule. */
  heldCount(): number {
    return this.held.length;
  }

  /** Lets every held request go on; returns how many there were. */
  releaseHeld(): number {
    const held = this.held;
    this.held = [];
    for (const resolve of held) resolve();
    return held.length;
  }

  list(): FaultEntry[] {
    return [...this.entries];
  }

  /** Consume the rules matching a request: the latency to add, then the failure to answer with. */
  take(method: string, path: string): { latencyMs: number; hold: boolean; failure: GraphError | undefined } {
    let latencyMs = 0;
    let hold = false;
    let failure: GraphError | undefined;
    for (const e of this.entries) {
      if (e.method && e.method !== method.toUpperCase()) continue;
      if (e.pathPrefix && !path.toLowerCase().startsWith(e.pathPrefix)) continue;
      if (e.rule.kind === 'latency') latencyMs += e.rule.ms;
      else if (e.rule.kind === 'hold') hold = true;
      else if (failure) continue;
      else failure = toError(e.rule);
      if (e.remaining !== undefined) e.remaining--;
    }
    this.entries = this.entries.filter((e) => e.remaining === undefined || e.remaining > 0);
    return { latencyMs, hold, failure };
  }
}

function toError(rule: Exclude<FaultRule, { kind: 'latency' } | { kind: 'hold' }>): GraphError {
  if (rule.kind === 'throttle') {
    return new GraphError(429, rule.code ?? 'TooManyRequests', 'Please retry again later.', { 'Retry-After': String(rule.retryAfterS) });
  }
  const headers: Record<string, string> = rule.retryAfterS === undefined ? {} : { 'Retry-After': String(rule.retryAfterS) };
  return new GraphError(rule.status, rule.code, rule.message ?? defaultMessage(rule.status), headers);
}

function defaultMessage(status: number): string {
  if (status === 503) return 'The service is currently unavailable. Please try again later.';
  if (status === 504) return 'The gateway timed out.';
  return 'An internal server error occurred. The operation failed.';
}
