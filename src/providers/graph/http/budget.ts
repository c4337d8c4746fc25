/**
 * Outlook's request budget per app and mailbox: 10,000 requests per 10 minutes (concepts/throttling.md,
 * "Outlook service limits"; each inner `$batch` request counts). Graph answers 429 once it is spent;
 * the client spends it knowingly instead: every request is counted here before it is sent, and a request
 * that would overspend waits (on the injected clock and sleep) until the window turns. The window is
 * fixed and measured on our clock, so it is an estimate of Graph's — kept a little under the limit by
 * `reserve`. `snapshot()` feeds the health view ("close to its budget").
 */

export interface BudgetOptions {
  /** Requests per window. Default 10,000. */
  limit: number;
  /** Window length. Default 10 minutes. */
  windowMs: number;
  /** Requests left unspent as a margin for clock skew between us and Graph. Default 100. */
  reserve: number;
  /** Share of the limit from which a mailbox counts as close to its budget. Default 0.8. */
  nearShare: number;
}

export interface BudgetSnapshot {
  used: number;
  limit: number;
  /** When the current window ends (ms epoch). */
  resetsAtMs: number;
  /** At or above `nearShare` of the limit. */
  near: boolean;
}

export const DEFAULT_BUDGET: BudgetOptions = { limit: 10_000, windowMs: 10 * 60_000, reserve: 100, nearShare: 0.8 };

export class RequestBudget {
  private windowStartMs: number;
  private used = 0;
  readonly opts: BudgetOptions;

  constructor(
    private readonly now: () => number,
    private readonly sleep: (ms: number) => Promise<void>,
    opts: Partial<BudgetOptions> = {},
  ) {
    this.opts = { ...DEFAULT_BUDGET, ...opts };
    this.windowStartMs = now();
  }

  private roll(): void {
    const now = this.now();
    if (now - this.windowStartMs >= this.opts.windowMs) {
      // Windows follow each other from the first one, so the estimate does not drift.
      this.windowStartMs += Math.floor((now - this.windowStartMs) / this.opts.windowMs) * this.opts.windowMs;
      this.used = 0;
    }
  }

  /** Spends `cost` requests, first waiting for the next window when this one cannot hold them. */
  async spend(cost = 1): Promise<void> {
    const usable = Math.max(1, this.opts.limit - this.opts.reserve);
    this.roll();
    if (this.used > 0 && this.used + cost > usable) {
      // One wait, to the window's end; then the request goes (Graph's own 429 remains the last word).
      await this.sleep(Math.max(1, this.windowStartMs + this.opts.windowMs - this.now()));
      this.roll();
    }
    this.used += cost;
  }

  snapshot(): BudgetSnapshot {
    this.roll();
    return { used: this.used, limit: this.opts.limit, resetsAtMs: this.windowStartMs + this.opts.windowMs, near: this.used >= this.opts.limit * this.opts.nearShare };
  }
}
