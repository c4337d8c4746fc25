/**
 * Delivery of change and lifecycle notifications (concepts/change-notifications-delivery-webhooks.md).
 * Items for the same URL raised in the same tick travel in one POST. A POST must be answered 2xx
 * within the timeout (3 s); otherwise it is retried with exponential backoff until the retry
 * window (4 h, on the injected clock) or the attempt bound runs out. Per URL, responses slower
 * than 2,900 ms are counted over 10-minute windows: once the sample is large enough, ≥ 10 % slow
 * delays deliveries by 10 minutes and ≥ 15 % slow drops them, raising `missed` lifecycle events.
 */
import type { Clock } from '../../util/clock.js';
import type { WebhookPoster } from './http-post.js';

export interface DeliveryOptions {
  timeoutMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  retryWindowMs: number;
  maxAttempts: number;
  slowThresholdMs: number;
  slowWindowMs: number;
  slowMinSample: number;
  slowThrottleDelayMs: number;
  pumpIntervalMs: number;
}

export type NotificationItem = Record<string, unknown> & { subscriptionId: string };

export interface DeliveryRecord {
  url: string;
  atMs: number;
  attempt: number;
  items: NotificationItem[];
  outcome: 'delivered' | 'failed' | 'discarded' | 'dropped';
  status?: number;
  error?: string;
  elapsedMs?: number;
}

interface Pending {
  url: string;
  items: NotificationItem[];
  attempt: number;
  firstMs: number;
  dueMs: number;
  sending: boolean;
}

interface UrlStats {
  windowStartMs: number;
  sent: number;
  slow: number;
}

export interface NotificationFaults {
  /** Discard the next N notifications. */
  drop: number;
  /** Send the next N notifications twice. */
  duplicate: number;
  /** Hold the next `delayCount` notifications for `delayMs` (clock time). */
  delayMs: number;
  delayCount: number;
  /** Hold the next N notifications until a later one to the same URL was delivered. */
  reorder: number;
}

export class Notifier {
  private queue: Pending[] = [];
  private readonly stats = new Map<string, UrlStats>();
  private readonly timer: NodeJS.Timeout;
  private readonly inFlight = new Set<Promise<void>>();
  readonly log: DeliveryRecord[] = [];
  readonly faults: NotificationFaults = { drop: 0, duplicate: 0, delayMs: 0, delayCount: 0, reorder: 0 };
  /** Items held back by the reorder fault, per URL. */
  private readonly held = new Map<string, NotificationItem[]>();
  /** Called when a URL's notifications are dropped for slowness (subscription ids affected). */
  onDropped: (subscriptionIds: string[]) => void = () => undefined;

  constructor(
    private readonly clock: Clock,
    private readonly sender: WebhookPoster,
    private readonly opts: DeliveryOptions,
  ) {
    this.timer = setInterval(() => void this.pump(), opts.pumpIntervalMs);
    this.timer.unref();
  }

  enqueue(url: string, item: NotificationItem): void {
    const now = this.clock.now();
    const health = this.health(url);
    if (health === 'drop') {
      this.record({ url, atMs: now, attempt: 0, items: [item], outcome: 'dropped', error: 'endpoint too slow' });
      // A dropped change notification raises `missed`; a dropped lifecycle notification raises nothing
      // (the lifecycle URL being slow too would otherwise recurse: missed → dropped → missed …).
      if (item['lifecycleEvent'] === undefined) this.onDropped([item.subscriptionId]);
      return;
    }
    if (this.faults.drop > 0) {
      this.faults.drop--;
      this.record({ url, atMs: now, attempt: 0, items: [item], outcome: 'dropped', error: 'admin fault' });
      return;
    }
    if (this.faults.reorder > 0) {
      this.faults.reorder--;
      this.held.set(url, [...(this.held.get(url) ?? []), item]);
      return;
    }
    let dueMs = health === 'throttle' ? now + this.opts.slowThrottleDelayMs : now;
    if (this.faults.delayCount > 0) {
      this.faults.delayCount--;
      dueMs += this.faults.delayMs;
    }
    const copies = this.faults.duplicate > 0 ? 2 : 1;
    if (copies === 2) this.faults.duplicate--;
    for (let c = 0; c < copies; c++) {
      // Join a batch for the same URL that has not been sent yet and is due at the same time.
      const open = this.queue.find((p) => p.url === url && !p.sending && p.attempt === 0 && p.dueMs === dueMs && c === 0);
      if (open) open.items.push(item);
      else this.queue.push({ url, items: [item], attempt: 0, firstMs: now, dueMs, sending: false });
    }
    setImmediate(() => void this.pump());
  }

  /** Record a notification that was not sent (e.g. its subscription awaits reauthorization). */
  discard(url: string, item: NotificationItem, reason: string): void {
    this.record({ url, atMs: this.clock.now(), attempt: 0, items: [item], outcome: 'dropped', error: reason });
  }

  /** Send everything due now (by the clock). Resolves when those POSTs have finished. */
  async pump(): Promise<void> {
    const now = this.clock.now();
    // `send` marks its batch synchronously, so overlapping pumps never send a batch twice.
    const started = this.queue.filter((p) => !p.sending && p.dueMs <= now).map((p) => this.send(p));
    for (const s of started) this.inFlight.add(s);
    await Promise.all(started);
    for (const s of started) this.inFlight.delete(s);
  }

  /** Queue the items the reorder fault held back for a URL (after a later one went out). */
  private release(url: string): void {
    const held = this.held.get(url);
    if (!held) return;
    this.held.delete(url);
    for (const item of held) this.enqueue(url, item);
  }

  /**
   * Resolves once nothing due by the clock is queued or in flight (bounded rounds). Items the
   * reorder fault still holds are released last, so a flush never strands a notification.
   */
  async drain(maxRounds = 50): Promise<void> {
    for (let i = 0; i < maxRounds; i++) {
      await Promise.all([...this.inFlight]);
      await this.pump();
      const now = this.clock.now();
      if (this.inFlight.size > 0 || this.queue.some((p) => !p.sending && p.dueMs <= now)) continue;
      if (this.held.size === 0) return;
      for (const url of [...this.held.keys()]) this.release(url);
    }
  }

  pendingCount(): number {
    return this.queue.length;
  }

  private async send(p: Pending): Promise<void> {
    p.sending = true;
    p.attempt++;
    const atMs = this.clock.now();
    const body = JSON.stringify({ value: p.items });
    let failure: { status?: number; error?: string; elapsedMs?: number } | undefined;
    try {
      const res = await this.sender.post(p.url, body, 'application/json; charset=utf-8', this.opts.timeoutMs);
      this.account(p.url, res.elapsedMs);
      if (res.status >= 200 && res.status < 300) {
        this.record({ url: p.url, atMs, attempt: p.attempt, items: p.items, outcome: 'delivered', status: res.status, elapsedMs: res.elapsedMs });
        this.queue = this.queue.filter((q) => q !== p);
        this.release(p.url);
        return;
      }
      failure = { status: res.status, elapsedMs: res.elapsedMs };
    } catch (err) {
      this.account(p.url, this.opts.timeoutMs);
      failure = { error: err instanceof Error ? err.message : String(err) };
    }
    const now = this.clock.now();
    const outOfTime = now - p.firstMs >= this.opts.retryWindowMs || p.attempt >= this.opts.maxAttempts;
    this.record({ url: p.url, atMs, attempt: p.attempt, items: p.items, outcome: outOfTime ? 'discarded' : 'failed', ...failure });
    if (outOfTime) {
      this.queue = this.queue.filter((q) => q !== p);
      return;
    }
    p.dueMs = now + Math.min(this.opts.retryMaxMs, this.opts.retryBaseMs * 2 ** (p.attempt - 1));
    p.sending = false;
  }

  private account(url: string, elapsedMs: number): void {
    const s = this.currentStats(url);
    s.sent++;
    if (elapsedMs > this.opts.slowThresholdMs) s.slow++;
  }

  private currentStats(url: string): UrlStats {
    const now = this.clock.now();
    let s = this.stats.get(url);
    if (!s || now - s.windowStartMs >= this.opts.slowWindowMs) {
      s = { windowStartMs: now, sent: 0, slow: 0 };
      this.stats.set(url, s);
    }
    return s;
  }

  /** ok, throttle (≥ 10 % slow) or drop (≥ 15 % slow), once the sample is large enough. */
  health(url: string): 'ok' | 'throttle' | 'drop' {
    const s = this.currentStats(url);
    if (s.sent < this.opts.slowMinSample) return 'ok';
    const ratio = s.slow / s.sent;
    if (ratio >= 0.15) return 'drop';
    return ratio >= 0.1 ? 'throttle' : 'ok';
  }

  private record(r: DeliveryRecord): void {
    this.log.push(r);
    // Bounded: the log is for inspection, not an archive.
    if (this.log.length > 1000) this.log.splice(0, this.log.length - 1000);
  }

  close(): void {
    clearInterval(this.timer);
  }
}
