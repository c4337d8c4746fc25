/**
 * What the webhook does with verified Graph notifications (graph.md, "Notifications" and "Lifecycle
 * notifications"). Notifications are hints: each one becomes a coalesced delta sync of its calendar —
 * never a sync inline — with the urgency of the hub events it names (wedding-critical → high, at once;
 * unknown → medium). Duplicates, replays and reordering all collapse into "sync this calendar".
 */
import type { Priority } from '../../model/event.js';
import type { JobQueue } from '../../queue/types.js';
import type { Store } from '../../store/types.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { enqueueCalendarSync } from '../sync-jobs.js';
import { urgencyOf } from '../urgency.js';
import type { SubscriptionDirectory } from './subscription-directory.js';
import { enqueueEnsureSubscription } from './subscription-manager.js';
import { SyncEnqueueBatcher } from './sync-batcher.js';

export interface ChangeNotification {
  subscriptionId: string;
  clientState?: string | null;
  changeType?: string;
  resourceData?: { id?: string } | null;
}

/** The lifecycle events Graph documents (change-notifications-lifecycle-events.md). */
export const KNOWN_LIFECYCLE_EVENTS = ['reauthorizationRequired', 'subscriptionRemoved', 'missed'] as const;
export type KnownLifecycleEvent = (typeof KNOWN_LIFECYCLE_EVENTS)[number];

export interface LifecycleNotification {
  subscriptionId: string;
  clientState?: string | null;
  /** A known event, or any other name Graph may send (logged and otherwise ignored). */
  lifecycleEvent: string;
}

const isKnownLifecycleEvent = (name: string): name is KnownLifecycleEvent => (KNOWN_LIFECYCLE_EVENTS as readonly string[]).includes(name);

export interface IntakeDeps {
  store: Store;
  queue: JobQueue;
  clock: Clock;
  directory: SubscriptionDirectory;
  logger?: Logger;
}

export interface IntakeResult {
  accepted: number;
  ignored: number;
}

const RANK: Record<Priority, number> = { high: 3, medium: 2, low: 1 };
const PRIORITY_TTL_MS = 10_000;

export class NotificationIntake {
  private readonly batcher: SyncEnqueueBatcher;
  /** remote id → priority of its hub event, briefly (bursts name the same events again and again). */
  private readonly priorities = new Map<string, { at: number; priority: Priority | undefined }>();

  constructor(private readonly deps: IntakeDeps) {
    this.batcher = new SyncEnqueueBatcher(deps.queue);
  }

  /** Verifies and enqueues; resolves once every accepted notification is durably queued. */
  async changes(tenantId: string, calendarId: string, notifications: readonly ChangeNotification[]): Promise<IntakeResult> {
    const verified: ChangeNotification[] = [];
    for (const n of notifications) {
      if (await this.deps.directory.verify(tenantId, calendarId, n.subscriptionId, n.clientState)) verified.push(n);
    }
    const ignored = notifications.length - verified.length;
    if (ignored > 0) this.deps.logger?.warn({ tenantId, calendarId, ignored }, 'graph notifications ignored (unknown subscription or clientState mismatch)');
    if (verified.length === 0) return { accepted: 0, ignored };
    const priority = await this.priorityOf(tenantId, calendarId, verified);
    await this.batcher.request(tenantId, calendarId, priority);
    return { accepted: verified.length, ignored };
  }

  /** Lifecycle events: reauthorize, recreate (then delta), or a delta resync after missed notifications. */
  async lifecycle(tenantId: string, calendarId: string, notifications: readonly LifecycleNotification[]): Promise<IntakeResult> {
    let accepted = 0;
    for (const n of notifications) {
      if (!(await this.deps.directory.verify(tenantId, calendarId, n.subscriptionId, n.clientState))) continue;
      if (!isKnownLifecycleEvent(n.lifecycleEvent)) {
        // Not ours to act on; Graph must not retry it (the batch is answered 202), but someone should know.
        this.deps.logger?.warn({ tenantId, calendarId, subscriptionId: n.subscriptionId, lifecycleEvent: n.lifecycleEvent }, 'unknown graph lifecycle event ignored');
        continue;
      }
      accepted += 1;
      if (n.lifecycleEvent === 'missed') {
        await enqueueCalendarSync(this.deps.queue, tenantId, calendarId, { priority: 'high', reason: 'graph notifications missed' });
      } else {
        const mode = n.lifecycleEvent === 'reauthorizationRequired' ? 'reauthorize' : 'recreate';
        await enqueueEnsureSubscription(this.deps.queue, tenantId, calendarId, mode, { priority: 'high' });
      }
    }
    return { accepted, ignored: notifications.length - accepted };
  }

  /** The highest priority among the hub events the notifications name; medium when any is unknown. */
  private async priorityOf(tenantId: string, calendarId: string, notifications: readonly ChangeNotification[]): Promise<Priority> {
    let best: Priority = 'low';
    for (const id of new Set(notifications.map((n) => n.resourceData?.id))) {
      const p = (id ? await this.remotePriority(tenantId, calendarId, id) : undefined) ?? 'medium';
      if (RANK[p] > RANK[best]) best = p;
      if (best === 'high') break;
    }
    return best;
  }

  private async remotePriority(tenantId: string, calendarId: string, remoteId: string): Promise<Priority | undefined> {
    const key = `${calendarId}\u0000${remoteId}`;
    const now = this.deps.clock.now();
    const hit = this.priorities.get(key);
    if (hit && now - hit.at < PRIORITY_TTL_MS) return hit.priority;
    const link = await this.deps.store.links.getByRemote(tenantId, calendarId, remoteId);
    const hub = link ? await this.deps.store.events.get(tenantId, link.hubEventId) : undefined;
    const priority = hub ? urgencyOf([hub.event], this.deps.clock).priority : undefined;
    if (this.priorities.size >= 10_000) this.priorities.clear();
    this.priorities.set(key, { at: now, priority });
    return priority;
  }
}
