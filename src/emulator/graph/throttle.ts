/**
 * Outlook's throttling (concepts/throttling.md, "Outlook service limits"), per app and mailbox:
 * at most N concurrent requests (429 ApplicationThrottled "MailboxConcurrency"), and a request
 * budget per fixed window (429 TooManyRequests). Windows are measured on the injected clock, so
 * Retry-After is the honest time to the window's end.
 */
import type { Clock } from '../../util/clock.js';
import { GraphError, tooManyRequests } from './graph-error.js';

export interface ThrottleOptions {
  /** Concurrent requests per app and mailbox. Default 4. */
  concurrency: number;
  /** Requests per app and mailbox per window. Default 10,000. */
  budget: number;
  /** Budget window. Default 10 minutes. */
  windowMs: number;
  /** Retry-After sent with a concurrency 429. Default 1 s. */
  concurrencyRetryAfterS: number;
}

interface Bucket {
  inFlight: number;
  windowStartMs: number;
  used: number;
}

export class Throttle {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly clock: Clock,
    private readonly opts: ThrottleOptions,
  ) {}

  /** Admit a request or throw 429; the returned function must be called when it finishes. */
  enter(key: string): () => void {
    const now = this.clock.now();
    let b = this.buckets.get(key);
    if (!b) {
      b = { inFlight: 0, windowStartMs: now, used: 0 };
      this.buckets.set(key, b);
    }
    if (now - b.windowStartMs >= this.opts.windowMs) {
      b.windowStartMs = now;
      b.used = 0;
    }
    if (b.inFlight >= this.opts.concurrency) {
      throw new GraphError(429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.', {
        'Retry-After': String(this.opts.concurrencyRetryAfterS),
      });
    }
    if (b.used >= this.opts.budget) {
      throw tooManyRequests(Math.max(1, Math.ceil((b.windowStartMs + this.opts.windowMs - now) / 1000)));
    }
    b.used++;
    b.inFlight++;
    const bucket = b;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      bucket.inFlight--;
    };
  }

  reset(): void {
    this.buckets.clear();
  }
}
