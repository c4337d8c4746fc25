/**
 * Long-poll wake-ups for the change feed. A waiter for a tenant is woken as soon as a change of that
 * tenant commits: at once for commits of this process (`outbox.onCommit`, as the outbox drainer is), and
 * within one poll period for other processes' commits (a worker process, the CLI) — one shared query of
 * the tenants' seqs per period, only while someone waits.
 */
import type { Store } from '../../store/types.js';

export interface ChangeSignalOptions {
  /** How often waiting tenants' seqs are read for other processes' commits (default 100 ms). */
  pollMs?: number;
}

interface Waiter {
  afterSeq: number;
  wake: () => void;
}

export class ChangeSignal {
  private readonly waiters = new Map<string, Set<Waiter>>();
  /** Subscribed at the first wait: an app that never long-polls never listens. */
  private unsubscribe: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly pollMs: number;

  constructor(
    private readonly store: Store,
    opts: ChangeSignalOptions = {},
  ) {
    this.pollMs = opts.pollMs ?? 100;
  }

  /**
   * Resolves when the tenant has a change after `afterSeq` (at once if it has one already), after
   * `waitMs`, or when `signal` aborts (the client went away) — whichever comes first.
   */
  async wait(tenantId: string, afterSeq: number, waitMs: number, signal?: AbortSignal): Promise<void> {
    this.unsubscribe ??= this.store.outbox.onCommit((id) => this.wakeTenant(id));
    await new Promise<void>((resolve) => {
      let set = this.waiters.get(tenantId);
      if (!set) this.waiters.set(tenantId, (set = new Set()));
      const waiters = set;
      const done = (): void => {
        clearTimeout(timeout);
        signal?.removeEventListener('abort', done);
        waiters.delete(waiter);
        if (waiters.size === 0) this.waiters.delete(tenantId);
        resolve();
      };
      const waiter: Waiter = { afterSeq, wake: done };
      const timeout = setTimeout(done, waitMs);
      signal?.addEventListener('abort', done);
      waiters.add(waiter);
      // Checked after registering, so a commit between the check and the registration cannot be missed.
      void this.store.changes.position(tenantId).then(
        (p) => (p.seq > afterSeq ? done() : undefined),
        () => undefined,
      );
      this.schedulePoll();
    });
  }

  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.timer) clearTimeout(this.timer);
    for (const set of this.waiters.values()) for (const w of [...set]) w.wake();
  }

  private wakeTenant(tenantId: string, seq?: number): void {
    for (const w of [...(this.waiters.get(tenantId) ?? [])]) if (seq === undefined || seq > w.afterSeq) w.wake();
  }

  private schedulePoll(): void {
    if (this.timer || this.waiters.size === 0) return;
    this.timer = setTimeout(() => void this.poll(), this.pollMs);
  }

  private async poll(): Promise<void> {
    try {
      for (const tenantId of [...this.waiters.keys()]) this.wakeTenant(tenantId, (await this.store.changes.position(tenantId)).seq);
    } catch {
      // A failed read only delays the wake-up to the next poll or the wait's end.
    } finally {
      this.timer = undefined;
      this.schedulePoll();
    }
  }
}
