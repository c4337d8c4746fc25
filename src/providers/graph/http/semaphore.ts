/**
 * A counting semaphore with a FIFO queue: Outlook allows 4 concurrent requests per app and mailbox,
 * and a fifth one is answered 429 (MailboxConcurrency) — so the limit is enforced here, before sending,
 * rather than discovered through throttling (lessons.md row 11).
 */
export class Semaphore {
  private available: number;
  private readonly waiters: { permits: number; wake: () => void }[] = [];
  /** Highest number of permits held at once (tests assert the cap with it). */
  peak = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`semaphore capacity must be a positive integer, got ${capacity}`);
    this.available = capacity;
  }

  get inUse(): number {
    return this.capacity - this.available;
  }

  /** Waits for `permits` (clamped to the capacity) and returns the function that gives them back. */
  async acquire(permits = 1): Promise<() => void> {
    const wanted = Math.min(Math.max(1, permits), this.capacity);
    // FIFO: a newcomer never overtakes a waiter, so a batch needing all permits is not starved.
    if (this.waiters.length === 0 && this.available >= wanted) this.take(wanted);
    else await new Promise<void>((wake) => this.waiters.push({ permits: wanted, wake }));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.available += wanted;
      this.drain();
    };
  }

  private take(permits: number): void {
    this.available -= permits;
    this.peak = Math.max(this.peak, this.inUse);
  }

  private drain(): void {
    while (this.waiters.length > 0) {
      const next = this.waiters[0];
      if (!next || next.permits > this.available) return;
      this.waiters.shift();
      this.take(next.permits);
      next.wake();
    }
  }
}
