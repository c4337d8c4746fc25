/**
 * One WebDAV-Push registration per enabled CalDAV calendar whose server offers it (caldav.md, "Push";
 * draft-bitfire-webdav-push), mirroring the Outlook subscription manager: `ensure` registers, renews,
 * re-registers or removes; every successful pass schedules the next renewal through the queue (at 75 %
 * of the lifetime the server granted) and a sweep per tenant (every 15 minutes) catches what the
 * schedule missed — calendars without a registration, expiring ones, disabled ones still registered.
 *
 * Push is a hint on top of polling, never a condition for syncing: without `CALSYNC_PUBLIC_URL`, on a
 * server without WebDAV-Push, or when registering fails, the calendar is polled as before.
 */
import { CalsyncError, StoreConflictError } from '../../errors.js';
import type { Priority } from '../../model/event.js';
import { CalDavProvider } from '../../providers/caldav/caldav-provider.js';
import type { CollectionPush } from '../../providers/caldav/collection-push.js';
import type { JobQueue } from '../../queue/types.js';
import type { CalendarRecord, Integration, Store } from '../../store/types.js';
import { toBase64Url } from '../../util/base64url.js';
import { isoNow, type Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { ProviderRegistry } from '../providers.js';
import { enqueueCalendarSync } from '../sync-jobs.js';
import { newSubscriptionKeys } from './message-encryption.js';
import { ensurePushKey } from './push-key.js';
import { newResourceSecret, pushResourceUrl } from './push-urls.js';
import { openSecrets, pushValue, readPushRecord, sealSecrets, type PushRecord, type Registration, type RegistrationSecrets } from './registration-record.js';
import { enqueueCalendarEnsure, scheduleTenantSweep } from '../registration-jobs.js';

export const ENSURE_PUSH_JOB = 'webdav-push.ensure';
export const PUSH_SWEEP_JOB = 'webdav-push.sweep';

/** `ensure`: whatever is needed now; `recreate`: a new registration with new keys (the server rotated its VAPID key). */
export type PushEnsureMode = 'ensure' | 'recreate';

export interface PushEnsurePayload {
  calendarId: string;
  mode: PushEnsureMode;
}

export interface PushRegistrationOptions {
  /** Expiry asked for. Default 7 days (a server must grant at least 3). */
  lifetimeMs?: number;
  /** Renew once this fraction of the granted lifetime has passed. Default 0.75. */
  renewAtFraction?: number;
  /** How long "this server offers no WebDAV-Push" holds before it is checked again. Default 24 hours. */
  recheckUnsupportedMs?: number;
  /** Sweep interval. Default 15 minutes. */
  sweepIntervalMs?: number;
}

export interface PushRegistrationDeps {
  store: Store;
  queue: JobQueue;
  providers: ProviderRegistry;
  clock: Clock;
  /** `CALSYNC_PUBLIC_URL`: where servers reach us. Without it registrations are removed, none made. */
  publicUrl: string | undefined;
  logger?: Logger;
  options?: PushRegistrationOptions;
  /** Told when a calendar's record changed (the webhook's lookup cache). */
  onRecordChanged?: (calendarId: string) => void;
}

export type PushEnsureOutcome = 'registered' | 'renewed' | 'kept' | 'removed' | 'unsupported' | 'skipped' | 'raced';

const isCalDavKind = (integration: Integration): boolean => integration.provider === 'caldav' || integration.provider === 'icloud';

export class PushRegistrationManager {
  private readonly lifetimeMs: number;
  private readonly renewAtFraction: number;
  private readonly recheckMs: number;
  readonly sweepIntervalMs: number;

  constructor(private readonly deps: PushRegistrationDeps) {
    const o = deps.options ?? {};
    this.lifetimeMs = o.lifetimeMs ?? 7 * 24 * 3600_000;
    this.renewAtFraction = o.renewAtFraction ?? 0.75;
    this.recheckMs = o.recheckUnsupportedMs ?? 24 * 3600_000;
    this.sweepIntervalMs = o.sweepIntervalMs ?? 15 * 60_000;
  }

  /** Brings one calendar's registration to the wanted state; schedules the next renewal. */
  async ensure(tenantId: string, calendarId: string, mode: PushEnsureMode = 'ensure'): Promise<PushEnsureOutcome> {
    const { store } = this.deps;
    const calendar = await store.calendars.get(tenantId, calendarId);
    const integration = calendar ? await store.integrations.get(tenantId, calendar.integrationId) : undefined;
    if (!calendar || !integration || !isCalDavKind(integration)) return 'skipped';
    const record = readPushRecord(await store.syncState.get(tenantId, calendarId));
    const publicUrl = this.deps.publicUrl;
    if (!publicUrl || !this.wanted(calendar, integration)) {
      if (record?.kind !== 'registered') return 'skipped';
      await this.remove(integration, calendar);
      return 'removed';
    }
    if (mode === 'ensure' && !this.isDue(record)) return record?.kind === 'unsupported' ? 'unsupported' : 'kept';
    const provider = await this.deps.providers.forIntegration(integration);
    // Tests register the memory provider under the CalDAV kinds: it has no push to offer.
    if (!(provider instanceof CalDavProvider)) return 'skipped';
    const push = provider.push(calendar.remoteId);
    const outcome = await this.bringUp(push, integration, calendar, record, mode, publicUrl);
    const after = readPushRecord(await store.syncState.get(tenantId, calendarId));
    if (after?.kind === 'registered') await enqueueEnsurePush(this.deps.queue, tenantId, calendarId, 'ensure', { priority: 'medium', delayMs: Math.max(0, this.renewAt(after) - this.deps.clock.now()) });
    this.deps.logger?.info({ calendarId, mode, outcome, expiresAt: after?.kind === 'registered' ? after.expiresAt : undefined }, 'webdav-push registration');
    return outcome;
  }

  private async bringUp(push: CollectionPush, integration: Integration, calendar: CalendarRecord, record: PushRecord | undefined, mode: PushEnsureMode, publicUrl: string): Promise<PushEnsureOutcome> {
    const now = this.deps.clock.now();
    const support = await push.support();
    if (!support.supported) {
      if (record?.kind === 'registered') await this.deleteRemote(push, calendar, record.registrationUrl);
      await this.save(calendar, record, { kind: 'unsupported', reason: support.reason, checkedAt: isoNow(this.deps.clock) });
      return 'unsupported';
    }
    const pushKey = await ensurePushKey(this.deps.store, integration);
    const facts = { topic: support.topic, publicUrl, ...(support.vapidPublicKey ? { vapidPublicKey: support.vapidPublicKey } : {}) };
    // The same subscription again (same push resource and keys) renews it, while it is current and ours.
    const reusable = record?.kind === 'registered' && mode === 'ensure' && record.publicUrl === publicUrl && record.topic === support.topic && Date.parse(record.expiresAt) > now;
    const secrets = reusable ? this.tryOpen(pushKey, calendar, record.secrets) : undefined;
    if (reusable && secrets) {
      try {
        const granted = await push.register(this.registerInput(publicUrl, calendar, secrets));
        await this.save(calendar, record, { ...record, ...facts, ...granted, registeredAt: isoNow(this.deps.clock) });
        return 'renewed';
      } catch (err) {
        // 404/410: the server no longer knows the registration (expired, reset): register anew below.
        if (!(err instanceof CalsyncError && err.code === 'PROVIDER_NOT_FOUND')) throw err;
      }
    }
    const fresh: RegistrationSecrets = { resourceSecret: newResourceSecret(), keys: newSubscriptionKeys() };
    const granted = await push.register(this.registerInput(publicUrl, calendar, fresh));
    const next: Registration = { kind: 'registered', ...granted, registeredAt: isoNow(this.deps.clock), ...facts, secrets: sealSecrets(pushKey, calendar.id, fresh) };
    try {
      await this.save(calendar, record, next);
    } catch (err) {
      // Another process registered this calendar meanwhile: keep theirs, withdraw ours.
      if (!(err instanceof StoreConflictError)) throw err;
      await this.deleteRemote(push, calendar, granted.registrationUrl);
      return 'raced';
    }
    if (record?.kind === 'registered' && record.registrationUrl !== granted.registrationUrl) await this.deleteRemote(push, calendar, record.registrationUrl);
    // Changes made while nothing was listening arrive with a sync, not a push.
    await enqueueCalendarSync(this.deps.queue, calendar.tenantId, calendar.id, { priority: 'medium', reason: 'webdav-push registered' });
    return 'registered';
  }

  /** Unregisters the calendar at its server (best effort) and forgets the registration. */
  async remove(integration: Integration, calendar: CalendarRecord): Promise<void> {
    const record = readPushRecord(await this.deps.store.syncState.get(calendar.tenantId, calendar.id));
    if (!record) return;
    if (record.kind === 'registered') {
      try {
        const provider = await this.deps.providers.forIntegration(integration);
        if (provider instanceof CalDavProvider) await this.deleteRemote(provider.push(calendar.remoteId), calendar, record.registrationUrl);
      } catch (err) {
        // Credentials gone: the registration lapses at its expiry, and its pushes are refused (404) meanwhile.
        this.deps.logger?.warn({ calendarId: calendar.id, err }, 'could not unregister webdav-push');
      }
    }
    try {
      await this.deps.store.syncState.setPush(calendar.tenantId, calendar.id, undefined, { expected: pushValue(record) ?? null });
    } catch (err) {
      // Registered again meanwhile (re-enabled): that newer registration is not ours to forget.
      if (!(err instanceof StoreConflictError)) throw err;
    }
    this.deps.onRecordChanged?.(calendar.id);
  }

  /** Disconnect: every calendar of the integration is unregistered. */
  async removeAll(integration: Integration): Promise<void> {
    if (!isCalDavKind(integration)) return;
    for (const calendar of await this.deps.store.calendars.list(integration.tenantId, integration.id)) await this.remove(integration, calendar);
  }

  /** Every CalDAV calendar of the tenant whose registration is missing, due, stale or unwanted gets an ensure job. */
  async sweep(tenantId: string): Promise<string[]> {
    const { store } = this.deps;
    const due: string[] = [];
    const integrations = new Map((await store.integrations.list(tenantId)).filter(isCalDavKind).map((i) => [i.id, i]));
    for (const calendar of await store.calendars.list(tenantId)) {
      const integration = integrations.get(calendar.integrationId);
      if (!integration) continue;
      const record = readPushRecord(await store.syncState.get(tenantId, calendar.id));
      const needed = this.deps.publicUrl && this.wanted(calendar, integration) ? this.isDue(record) : record?.kind === 'registered';
      if (!needed) continue;
      await enqueueEnsurePush(this.deps.queue, tenantId, calendar.id, 'ensure', { priority: 'medium' });
      due.push(calendar.id);
    }
    return due;
  }

  /** Runs `sweep` and schedules the next one. */
  async sweepAndReschedule(tenantId: string): Promise<string[]> {
    try {
      return await this.sweep(tenantId);
    } finally {
      await schedulePushSweep(this.deps.queue, tenantId, this.sweepIntervalMs);
    }
  }

  private wanted(calendar: CalendarRecord, integration: Integration): boolean {
    return calendar.enabled && integration.status === 'active';
  }

  /** Whether a wanted calendar needs work: no record, an unsupported note to check again, a registration to renew or move. */
  private isDue(record: PushRecord | undefined): boolean {
    const now = this.deps.clock.now();
    if (!record) return true;
    if (record.kind === 'unsupported') return now - Date.parse(record.checkedAt) >= this.recheckMs;
    return record.publicUrl !== this.deps.publicUrl || now >= this.renewAt(record);
  }

  private renewAt(record: Registration): number {
    const from = Date.parse(record.registeredAt);
    return from + this.renewAtFraction * (Date.parse(record.expiresAt) - from);
  }

  private registerInput(publicUrl: string, calendar: CalendarRecord, secrets: RegistrationSecrets) {
    return {
      pushResource: pushResourceUrl(publicUrl, { tenantId: calendar.tenantId, calendarId: calendar.id, secret: secrets.resourceSecret }),
      subscriptionPublicKey: toBase64Url(secrets.keys.publicKey),
      authSecret: toBase64Url(secrets.keys.authSecret),
      expires: new Date(this.deps.clock.now() + this.lifetimeMs),
    };
  }

  /** Secrets that no longer open (the push key was replaced) mean a new registration, not a failure. */
  private tryOpen(pushKey: Buffer, calendar: CalendarRecord, sealed: string): RegistrationSecrets | undefined {
    try {
      return openSecrets(pushKey, calendar.id, sealed);
    } catch {
      return undefined;
    }
  }

  private async deleteRemote(push: CollectionPush, calendar: CalendarRecord, registrationUrl: string): Promise<void> {
    try {
      await push.unregister(registrationUrl);
    } catch (err) {
      // The server will drop it at its expiry; our endpoint refuses its pushes from now on.
      this.deps.logger?.warn({ calendarId: calendar.id, err }, 'could not delete a webdav-push registration');
    }
  }

  /** Compare-and-set on the record read at the start: a concurrent writer makes this a STORE_CONFLICT. */
  private async save(calendar: CalendarRecord, expected: PushRecord | undefined, next: PushRecord): Promise<void> {
    await this.deps.store.syncState.setPush(calendar.tenantId, calendar.id, pushValue(next), { expected: pushValue(expected) ?? null });
    this.deps.onRecordChanged?.(calendar.id);
  }
}

/** An ensure job; one pending per calendar and mode. Shares the calendar's mutex with its syncs. */
export async function enqueueEnsurePush(queue: JobQueue, tenantId: string, calendarId: string, mode: PushEnsureMode, opts: { priority: Priority; delayMs?: number }): Promise<void> {
  await enqueueCalendarEnsure(queue, { type: ENSURE_PUSH_JOB, keyPrefix: 'webdav-push' }, tenantId, calendarId, mode, opts);
}

/** The next sweep of a tenant, coalesced (one pending per tenant). */
export async function schedulePushSweep(queue: JobQueue, tenantId: string, delayMs = 0): Promise<void> {
  await scheduleTenantSweep(queue, { type: PUSH_SWEEP_JOB, keyPrefix: 'webdav-push-sweep' }, tenantId, delayMs);
}
