/**
 * Retries and circuit breaking with cockatiel, one breaker per server (origin).
 *
 * An attempt runs through: retry (outer) → circuit breaker → the request. Only outages (unavailable,
 * timeout) trip the breaker; a 404 or 412 says nothing about the server's health. Throttling is retried
 * after the server's Retry-After, or handed back to the job queue when that is longer than we wait
 * in-process. An open circuit fails fast with PROVIDER_CIRCUIT_OPEN and is never retried here.
 *
 * Used by every outbound caller that retries (CalDAV's DavClient, the Graph client). Retry delays are
 * slept through the injected `sleep` (tests pass one that returns at once); cockatiel's breaker reads
 * `Date.now()` for its cool-down, the injected clock drives everything else (rate limit, Retry-After).
 */
import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, IsolatedCircuitError, circuitBreaker, handleWhen, type CircuitBreakerPolicy } from 'cockatiel';
import { CalsyncError, isCalsyncError } from '../errors.js';
import type { SharedCircuit } from './shared-politeness.js';
import { realSleep, type Sleep } from './token-bucket.js';

export interface ResilienceOptions {
  /** Attempts per request including the first. Default 4. */
  maxAttempts?: number;
  /** First retry delay before jitter. Default 250 ms. */
  baseDelayMs?: number;
  /** Cap for one backoff delay and for an honoured Retry-After. Default 30 s. */
  maxDelayMs?: number;
  /** Consecutive outage failures that open a server's circuit. Default 5. */
  breakerThreshold?: number;
  /** How long an open circuit stays open before one trial request (half-open). Default 30 s. */
  halfOpenAfterMs?: number;
  /** Jitter source in [0, 1). Default Math.random. */
  random?: () => number;
  /** Waits between attempts. Default: a real timer. */
  sleep?: Sleep;
}

type Resolved = Required<ResilienceOptions>;

const DEFAULTS: Resolved = {
  maxAttempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 30_000,
  breakerThreshold: 5,
  halfOpenAfterMs: 30_000,
  random: Math.random,
  sleep: realSleep,
};

export type CircuitStateName = 'closed' | 'open' | 'half-open' | 'isolated';

const STATE_NAMES: Record<CircuitState, CircuitStateName> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

/**
 * Delay before retry number `attempt` (1-based): the server's Retry-After when it gave one, otherwise
 * exponential backoff with "equal jitter" (half fixed, half random) so clients do not retry in step.
 */
export function retryDelayMs(attempt: number, error: unknown, options: ResilienceOptions = {}): number {
  const o = { ...DEFAULTS, ...options };
  if (isCalsyncError(error) && error.retryAfterS !== undefined) return Math.min(error.retryAfterS * 1000, o.maxDelayMs);
  const ceiling = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + o.random() * (ceiling / 2));
}

/** An outage: what trips the breaker. */
export function isOutage(error: unknown): boolean {
  return isCalsyncError(error) && (error.code === 'PROVIDER_UNAVAILABLE' || error.code === 'PROVIDER_TIMEOUT');
}

/** Worth retrying in-process: retryable, not a fast-fail, and not asking for a longer wait than we allow. */
export function shouldRetry(error: unknown, options: ResilienceOptions = {}): boolean {
  if (!isCalsyncError(error) || !error.retryable) return false;
  if (error.code === 'PROVIDER_CIRCUIT_OPEN' || error.code === 'PROVIDER_PRECONDITION_FAILED') return false;
  const maxDelayMs = options.maxDelayMs ?? DEFAULTS.maxDelayMs;
  return error.retryAfterS === undefined || error.retryAfterS * 1000 <= maxDelayMs;
}

export class ServerPolicies {
  private readonly options: Resolved;
  private readonly breakers = new Map<string, CircuitBreakerPolicy>();
  /**
   * `shared`: a circuit kept outside the process (Redis, `shared-politeness.ts`), consulted before and
   * told after every attempt, so an outage seen by any worker stops every worker's calls to that server.
   */
  constructor(
    options: ResilienceOptions = {},
    private readonly shared?: SharedCircuit,
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** The breaker of one server (origin), created on first use. */
  breaker(origin: string): CircuitBreakerPolicy {
    let breaker = this.breakers.get(origin);
    if (!breaker) {
      breaker = circuitBreaker(handleWhen(isOutage), {
        halfOpenAfter: this.options.halfOpenAfterMs,
        breaker: new ConsecutiveBreaker(this.options.breakerThreshold),
      });
      this.breakers.set(origin, breaker);
    }
    return breaker;
  }

  /** The circuit state of a server; servers never contacted are closed. */
  state(origin: string): CircuitStateName {
    const breaker = this.breakers.get(origin);
    return breaker ? STATE_NAMES[breaker.state] : 'closed';
  }

  /** Run one logical request against `origin` with retries and the server's breaker. */
  execute<T>(origin: string, attempt: (signal: AbortSignal) => Promise<T>, retries = true): Promise<T> {
    const breaker = this.breaker(origin);
    const shared = this.shared;
    const local = (signal: AbortSignal): Promise<T> =>
      breaker.execute(({ signal: inner }) => attempt(inner), signal).catch((err: unknown) => {
        throw this.translate(err, origin);
      });
    const guarded = !shared
      ? local
      : async (signal: AbortSignal): Promise<T> => {
          await shared.before(origin);
          let result: T;
          try {
            result = await local(signal);
          } catch (err) {
            // An outage counts against the server everywhere; any other answer shows it is up. A local
            // fast-fail is no news.
            if (!(isCalsyncError(err) && err.code === 'PROVIDER_CIRCUIT_OPEN')) await shared.after(origin, isOutage(err));
            throw err;
          }
          await shared.after(origin, false);
          return result;
        };
    if (!retries) return guarded(new AbortController().signal);
    return this.retrying(guarded);
  }

  /** Retries (outer) around the breaker: delays from `retryDelayMs`, slept through the injected sleep. */
  private async retrying<T>(guarded: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const signal = new AbortController().signal;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await guarded(signal);
      } catch (err) {
        if (attempt >= this.options.maxAttempts || !shouldRetry(err, this.options)) throw err;
        await this.options.sleep(retryDelayMs(attempt, err, this.options));
      }
    }
  }

  /** An open circuit as the typed fast-fail error; anything else as it is. */
  translate(err: unknown, origin: string): unknown {
    if (err instanceof BrokenCircuitError || err instanceof IsolatedCircuitError) {
      return new CalsyncError('PROVIDER_CIRCUIT_OPEN', `circuit open for ${origin}: failing fast after repeated outages`, {
        cause: err,
        retryAfterS: Math.ceil(this.options.halfOpenAfterMs / 1000),
        details: { origin },
      });
    }
    return err;
  }
}
