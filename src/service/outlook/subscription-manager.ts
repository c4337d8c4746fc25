/**
 * One Graph change-notification subscription per enabled Outlook calendar (graph.md, "Subscriptions";
 * lessons.md #9). `ensure` creates, renews, reauthorizes or recreates it; every successful pass
 * schedules the next renewal through the queue at 75 % of the lifetime, and a sweep per tenant (every
 * 15 minutes) renews anything the schedule missed. A new subscription is followed by a delta sync, so
 * changes made while none was active are not lost. Time comes from the injected clock.
 */
import { publicUrlProblem } from '../../config.js';
import { CalsyncError } from '../../errors.js';
import type { GraphClient } from '../../providers/graph/index.js';
import type { Priority } from '../../model/event.js';
import type { JobQueue } from '../../queue/types.js';
import type { CalendarRecord, Integration, Store } from '../../store/types.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { ProviderRegistry } from '../providers.js';
import { enqueueCalendarSync } from '../sync-jobs.js';
import { graphClientFor, type OutlookCredentials } from './connection.js';
import { newClientState, readRecord, sealClientState, writeRecord, type SubscriptionRecord } from './subscription-record.js';
import { lifecycleUrl, notificationUrl } from './webhook-urls.js';
import { enqueueCalendarEnsure, scheduleTenantSweep } from '../registration-jobs.js';

export const ENSURE_SUBSCRIPTION_JOB = 'graph.subscription.ensure';
export const SUBSCRIPTION_SWEEP_JOB = 'graph.subscription.sweep';

/** `ensure`: whatever is needed; `renew`: extend now; `reauthorize`: Graph asked; `recreate`: Graph removed it. */
export type EnsureMode = 'ensure' | 'renew' | 'reauthorize' | 'recreate';

export interface EnsurePayload {
  calendarId: string;
  mode: EnsureMode;
}

export interface SubscriptionOptions {
  /**
   * Requested lifetime. Default 10,000 minutes (Graph: at most 10,070 for events observed, 10,080
   * documented). Graph's answer decides: a shorter expiry it grants is what renewal is planned from.
   */
  lifetimeMinutes?: number;
  /** Renew once this fraction of the lifetime has passed. Default 0.75. */
  renewAtFraction?: number;
  /** Sweep interval. Default 15 minutes. */
  sweepIntervalMs?: number;
}

export interface SubscriptionDeps {
  store: Store;
  queue: JobQueue;
  providers: ProviderRegistry;
  clock: Clock;
  /**
   * Where Graph reaches `calsync serve` (`CALSYNC_PUBLIC_URL`): https, or http on a loopback host (the
   * emulator). Needed to create or renew subscriptions; removing them (disconnect) works without it.
   */
  publicUrl?: string;
  logger?: Logger;
  options?: SubscriptionOptions;
  /** Told when a calendar's subscription record changed (the webhook's lookup cache). */
  onRecordChanged?: (calendarId: string) => void;
}

export type EnsureOutcome = 'created' | 'renewed' | 'reauthorized' | 'kept' | 'removed' | 'skipped';

interface GraphSubscription {
  id: string;
  expirationDateTime: string;
}

const CHANGE_TYPES = 'created,updated,deleted';

export class SubscriptionManager {
  private readonly lifetimeMs: number;
  private readonly renewAtFraction: number;
  private readonly marginMs: number;
  private readonly sweepIntervalMs: number;

  constructor(private readonly deps: SubscriptionDeps) {
    const problem = deps.publicUrl === undefined ? undefined : publicUrlProblem(deps.publicUrl);
    if (problem) throw new CalsyncError('CONFIG', `CALSYNC_PUBLIC_URL ${problem}`, { details: { variable: 'CALSYNC_PUBLIC_URL' } });
    const o = deps.options ?? {};
    this.lifetimeMs = (o.lifetimeMinutes ?? 10_000) * 60_000;
    this.renewAtFraction = o.renewAtFraction ?? 0.75;
    this.marginMs = Math.round(this.lifetimeMs * (1 - this.renewAtFraction));
    this.sweepIntervalMs = o.sweepIntervalMs ?? 15 * 60_000;
  }

  /** Brings one calendar's subscription to the wanted state; schedules the next renewal. */
  async ensure(tenantId: string, calendarId: string, mode: EnsureMode = 'ensure'): Promise<EnsureOutcome> {
    const { store } = this.deps;
    const calendar = await store.calendars.get(tenantId, calendarId);
    const integration = calendar ? await store.integrations.get(tenantId, calendar.integrationId) : undefined;
    if (!calendar || !integration || integration.provider !== 'outlook') return 'skipped';
    const record = readRecord(await store.syncState.get(tenantId, calendarId));
    if (!calendar.enabled || integration.status !== 'active') {
      if (!record) return 'skipped';
      await this.remove(integration, calendar);
      return 'removed';
    }
    const client = await graphClientFor(this.deps.providers, integration);
    const outcome = await this.bringUp(client, integration, calendar, record, mode);
    const after = readRecord(await store.syncState.get(tenantId, calendarId));
    if (after) await this.scheduleRenewal(tenantId, calendarId, after);
    // The tenant's health sweep is running from now on (coalesced: this never postpones a pending one).
    await scheduleSweep(this.deps.queue, tenantId, this.sweepIntervalMs);
    this.deps.logger?.info({ calendarId, mode, outcome, expiresAt: after?.expiresAt }, 'graph subscription');
    return outcome;
  }

  private publicUrl(): string {
    if (this.deps.publicUrl === undefined) throw new CalsyncError('CONFIG', 'CALSYNC_PUBLIC_URL is not set: Graph subscriptions cannot be created', { details: { variable: 'CALSYNC_PUBLIC_URL' } });
    return this.deps.publicUrl;
  }

  private async bringUp(client: GraphClient, integration: Integration, calendar: CalendarRecord, record: SubscriptionRecord | undefined, mode: EnsureMode): Promise<EnsureOutcome> {
    const now = this.deps.clock.now();
    const wantedUrl = notificationUrl(this.publicUrl(), calendar.tenantId, calendar.id);
    // A changed public URL cannot be PATCHed onto a subscription's lifecycle URL: make a new one.
    if (!record || mode === 'recreate' || record.notificationUrl !== wantedUrl || Date.parse(record.expiresAt) <= now) {
      await this.create(client, integration, calendar, record);
      return 'created';
    }
    try {
      if (mode === 'reauthorize') {
        await client.send({ method: 'POST', url: `/subscriptions/${encodeURIComponent(record.subscriptionId)}/reauthorize`, body: {} });
      } else if (mode === 'ensure' && Date.parse(record.expiresAt) - now > this.marginOf(record)) {
        return 'kept';
      }
      const renewed = await this.withGrantedLifetime((expirationDateTime) =>
        client.json<GraphSubscription>({ method: 'PATCH', url: `/subscriptions/${encodeURIComponent(record.subscriptionId)}`, body: { expirationDateTime } }),
      );
      await this.save(calendar, { ...record, expiresAt: renewed.expirationDateTime, grantedMs: this.granted(renewed) });
      return mode === 'reauthorize' ? 'reauthorized' : 'renewed';
    } catch (err) {
      // Graph removed it (expired, deleted by an admin, lifecycle `subscriptionRemoved` lost): recreate.
      if (!(err instanceof CalsyncError && err.code === 'PROVIDER_NOT_FOUND')) throw err;
      await this.create(client, integration, calendar, record);
      return 'created';
    }
  }

  private async create(client: GraphClient, integration: Integration, calendar: CalendarRecord, old: SubscriptionRecord | undefined): Promise<void> {
    const credentials = (await this.deps.store.integrations.getCredentials(integration.tenantId, integration.id)) as OutlookCredentials;
    const clientState = newClientState();
    const url = notificationUrl(this.publicUrl(), calendar.tenantId, calendar.id);
    // Notifications for the new id can arrive before the record below is saved: the webhook re-reads
    // the store on an id it does not know (SubscriptionDirectory), and the delta sync below covers them.
    const created = await this.withGrantedLifetime((expirationDateTime) =>
      client.json<GraphSubscription>({
        method: 'POST',
        url: '/subscriptions',
        body: {
          changeType: CHANGE_TYPES,
          notificationUrl: url,
          lifecycleNotificationUrl: lifecycleUrl(this.publicUrl(), calendar.tenantId, calendar.id),
          resource: `/me/calendars/${calendar.remoteId}/events`,
          expirationDateTime,
          clientState,
        },
      }),
    );
    await this.save(calendar, {
      subscriptionId: created.id,
      expiresAt: created.expirationDateTime,
      clientState: sealClientState(credentials, calendar.id, clientState),
      notificationUrl: url,
      grantedMs: this.granted(created),
    });
    if (old && old.subscriptionId !== created.id) await this.deleteRemote(client, old.subscriptionId);
    // Changes made while no subscription was listening reach us through delta.
    await enqueueCalendarSync(this.deps.queue, calendar.tenantId, calendar.id, { priority: 'medium', reason: 'graph subscription created' });
  }

  /** Deletes the calendar's subscription at Graph (best effort) and forgets it. */
  async remove(integration: Integration, calendar: CalendarRecord): Promise<void> {
    const record = readRecord(await this.deps.store.syncState.get(calendar.tenantId, calendar.id));
    if (!record) return;
    try {
      await this.deleteRemote(await graphClientFor(this.deps.providers, integration), record.subscriptionId);
    } catch (err) {
      // Credentials gone or Graph down: the subscription lapses on its own at its expiry.
      this.deps.logger?.warn({ calendarId: calendar.id, err }, 'could not delete graph subscription');
    }
    await this.save(calendar, undefined);
  }

  /** Disconnect: every calendar's subscription of the integration is deleted. */
  async removeAll(integration: Integration): Promise<void> {
    for (const calendar of await this.deps.store.calendars.list(integration.tenantId, integration.id)) await this.remove(integration, calendar);
  }

  /**
   * The health sweep for one tenant: every enabled Outlook calendar without a subscription, or whose
   * subscription expired or expires within the renewal margin, gets an immediate ensure job.
   */
  async sweep(tenantId: string): Promise<string[]> {
    const { store } = this.deps;
    const now = this.deps.clock.now();
    const due: string[] = [];
    const integrations = new Map((await store.integrations.list(tenantId)).filter((i) => i.provider === 'outlook' && i.status === 'active').map((i) => [i.id, i]));
    for (const calendar of await store.calendars.list(tenantId)) {
      if (!calendar.enabled || !integrations.has(calendar.integrationId)) continue;
      const record = readRecord(await store.syncState.get(tenantId, calendar.id));
      if (record && Date.parse(record.expiresAt) - now > this.marginOf(record)) continue;
      await this.enqueueEnsure(tenantId, calendar.id, 'ensure', { priority: 'high' });
      due.push(calendar.id);
    }
    return due;
  }

  /** Runs `sweep` and schedules the next one. */
  async sweepAndReschedule(tenantId: string): Promise<string[]> {
    try {
      return await this.sweep(tenantId);
    } finally {
      await scheduleSweep(this.deps.queue, tenantId, this.sweepIntervalMs);
    }
  }

  enqueueEnsure(tenantId: string, calendarId: string, mode: EnsureMode, opts: { priority: Priority; delayMs?: number }): Promise<void> {
    return enqueueEnsureSubscription(this.deps.queue, tenantId, calendarId, mode, opts);
  }

  private async scheduleRenewal(tenantId: string, calendarId: string, record: SubscriptionRecord): Promise<void> {
    const delayMs = Math.max(0, Date.parse(record.expiresAt) - this.marginOf(record) - this.deps.clock.now());
    await this.enqueueEnsure(tenantId, calendarId, 'ensure', { priority: 'medium', delayMs });
  }

  private async deleteRemote(client: GraphClient, subscriptionId: string): Promise<void> {
    try {
      await client.send({ method: 'DELETE', url: `/subscriptions/${encodeURIComponent(subscriptionId)}` });
    } catch (err) {
      if (!(err instanceof CalsyncError && err.code === 'PROVIDER_NOT_FOUND')) throw err;
    }
  }

  private async save(calendar: CalendarRecord, record: SubscriptionRecord | undefined): Promise<void> {
    await writeRecord(this.deps.store, calendar.tenantId, calendar.id, record);
    this.deps.onRecordChanged?.(calendar.id);
  }

  private expiry(lifetimeMs = this.lifetimeMs): string {
    return new Date(this.deps.clock.now() + lifetimeMs).toISOString();
  }

  /** How long before expiry a subscription is renewed: a share of what Graph granted (or of what we ask). */
  private marginOf(record: SubscriptionRecord): number {
    return record.grantedMs === undefined ? this.marginMs : Math.min(this.marginMs, Math.round(record.grantedMs * (1 - this.renewAtFraction)));
  }

  /** The lifetime Graph granted: its expiry, whatever we asked for, from now. */
  private granted(sub: GraphSubscription): number {
    return Math.max(1, Date.parse(sub.expirationDateTime) - this.deps.clock.now());
  }

  /**
   * A create or renewal asking for our lifetime; when Graph refuses it as too long (400 "Subscription
   * expiration can only be N minutes in the future." — 10,070 live, 10,080 documented, other limits
   * elsewhere) it is asked once more for a minute less than the N Graph named.
   */
  private async withGrantedLifetime(request: (expirationDateTime: string) => Promise<GraphSubscription>): Promise<GraphSubscription> {
    try {
      return await request(this.expiry());
    } catch (err) {
      const allowed = err instanceof CalsyncError ? /can only be (\d+) minutes in the future/i.exec(err.message)?.[1] : undefined;
      if (allowed === undefined || Number(allowed) < 2) throw err;
      this.deps.logger?.info({ allowedMinutes: Number(allowed) }, 'graph subscription lifetime capped by Graph');
      return request(this.expiry((Number(allowed) - 1) * 60_000));
    }
  }
}

/** An ensure job; one pending per calendar and mode, so a lifecycle `recreate` never merges into a scheduled renewal. */
export async function enqueueEnsureSubscription(queue: JobQueue, tenantId: string, calendarId: string, mode: EnsureMode, opts: { priority: Priority; delayMs?: number }): Promise<void> {
  await enqueueCalendarEnsure(queue, { type: ENSURE_SUBSCRIPTION_JOB, keyPrefix: 'graph-subscription' }, tenantId, calendarId, mode, opts);
}

/** The next sweep of a tenant, coalesced (one pending per tenant). */
export async function scheduleSweep(queue: JobQueue, tenantId: string, delayMs = 0): Promise<void> {
  await scheduleTenantSweep(queue, { type: SUBSCRIPTION_SWEEP_JOB, keyPrefix: 'graph-sweep' }, tenantId, delayMs);
}
