/**
 * A token bucket per host: `capacity` requests may go at once, then `refillPerSecond` more each second.
 * Cockatiel has no rate limiter, and this one reads the injected clock, so tests need no sleeping:
 * `take()` computes how long to wait and hands that to the injected `sleep`.
 */
import type { Clock } from '../util/clock.js';
import type { HostRateLimiter } from './shared-politeness.js';

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export interface TokenBucketOptions {
  /** Burst size. */
  capacity: number;
  /** Sustained rate. */
  refillPerSecond: number;
}

export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly options: TokenBucketOptions,
    private readonly clock: Clock,
    private readonly sleep: Sleep = realSleep,
  ) {
    if (options.capacity < 1 || options.refillPerSecond <= 0) throw new RangeError('token bucket needs capacity ≥ 1 and a positive rate');
    this.tokens = options.capacity;
    this.updatedAt = clock.now();
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsedS = Math.max(0, now - this.updatedAt) / 1000;
    this.tokens = Math.min(this.options.capacity, this.tokens + elapsedS * this.options.refillPerSecond);
    this.updatedAt = now;
  }

  /** Milliseconds until a token is available (0 when one is available now). */
  waitMs(): number {
    this.refill();
    if (this.tokens >= 1) return 0;
    return Math.ceil(((1 - this.tokens) / this.options.refillPerSecond) * 1000);
  }

  /** Take one token, sleeping until one is available. The token is reserved before sleeping. */
  async take(signal?: AbortSignal): Promise<void> {
    const wait = this.waitMs();
    // Reserving first (tokens may go negative) keeps concurrent callers queued in order instead of
    // all waking at once and overshooting the rate.
    this.tokens -= 1;
    if (wait > 0) await this.sleep(wait, signal);
  }
}

/** One bucket per key (host), created on first use. */
export class TokenBuckets implements HostRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  constructor(
    private readonly options: TokenBucketOptions,
    private readonly clock: Clock,
    private readonly sleep: Sleep = realSleep,
  ) {}

  for(key: string): TokenBucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(this.options, this.clock, this.sleep);
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  take(host: string, signal?: AbortSignal): Promise<void> {
    return this.for(host).take(signal);
  }
}
