/**
 * What the webhook checks a notification against: the calendar's current subscription id and its
 * clientState, decrypted. Decrypting on every notification would cost more than the rest of the request,
 * so lookups are cached for a few seconds; an id the cache does not know is re-read from the store once
 * (a subscription created a moment ago, possibly by another process), never trusted blindly.
 */
import type { Store } from '../../store/types.js';
import type { Clock } from '../../util/clock.js';
import { safeEqual } from '../../util/crypto.js';
import type { OutlookCredentials } from './connection.js';
import { openClientState, readRecord } from './subscription-record.js';

const MIN_REFRESH_MS = 250;

interface Entry {
  at: number;
  /** undefined: the calendar has no (readable) subscription. */
  value: { subscriptionId: string; clientState: string } | undefined;
}

export interface DirectoryOptions {
  /** How long a lookup is reused. Default 5,000 ms. */
  ttlMs?: number;
  /** Entries kept at most (oldest dropped first). Default 10,000. */
  maxEntries?: number;
}

export class SubscriptionDirectory {
  private readonly cache = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    opts: DirectoryOptions = {},
  ) {
    this.ttlMs = opts.ttlMs ?? 5_000;
    this.maxEntries = opts.maxEntries ?? 10_000;
  }

  /** True when the calendar's subscription is `subscriptionId` and `clientState` matches it (constant time). */
  async verify(tenantId: string, calendarId: string, subscriptionId: string, clientState: string | null | undefined): Promise<boolean> {
    if (typeof clientState !== 'string') return false;
    let current = await this.lookup(tenantId, calendarId, false);
    if (current?.subscriptionId !== subscriptionId && this.mayRefresh(tenantId, calendarId)) current = await this.lookup(tenantId, calendarId, true);
    if (!current || current.subscriptionId !== subscriptionId) return false;
    return safeEqual(current.clientState, clientState);
  }

  /** At most one forced re-read per calendar per `MIN_REFRESH_MS`: forged ids cannot hammer the store. */
  private mayRefresh(tenantId: string, calendarId: string): boolean {
    const hit = this.cache.get(`${tenantId}\u0000${calendarId}`);
    return !hit || this.clock.now() - hit.at >= MIN_REFRESH_MS;
  }

  invalidate(calendarId?: string): void {
    if (calendarId === undefined) this.cache.clear();
    else for (const key of this.cache.keys()) if (key.endsWith(`\u0000${calendarId}`)) this.cache.delete(key);
  }

  private async lookup(tenantId: string, calendarId: string, fresh: boolean): Promise<Entry['value']> {
    const key = `${tenantId}\u0000${calendarId}`;
    const hit = this.cache.get(key);
    if (!fresh && hit && this.clock.now() - hit.at < this.ttlMs) return hit.value;
    const value = await this.load(tenantId, calendarId);
    this.cache.delete(key);
    if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(key, { at: this.clock.now(), value });
    return value;
  }

  private async load(tenantId: string, calendarId: string): Promise<Entry['value']> {
    try {
      const calendar = await this.store.calendars.get(tenantId, calendarId);
      if (!calendar) return undefined;
      const record = readRecord(await this.store.syncState.get(tenantId, calendarId));
      if (!record) return undefined;
      const credentials = (await this.store.integrations.getCredentials(tenantId, calendar.integrationId)) as OutlookCredentials;
      return { subscriptionId: record.subscriptionId, clientState: openClientState(credentials, calendarId, record.clientState) };
    } catch {
      // Unknown tenant/calendar, a foreign id, a record that will not open: not ours to act on.
      return undefined;
    }
  }
}
