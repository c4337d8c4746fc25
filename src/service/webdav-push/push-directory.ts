/**
 * What the push webhook checks a message against: the calendar's registration and its opened secrets.
 * Opening them costs a credentials decrypt, so lookups are cached for a few seconds; a secret the cache
 * does not match is re-read from the store once (a registration made a moment ago, perhaps by another
 * process), at most once per calendar per 250 ms so forged URLs cannot hammer the store.
 */
import type { Store } from '../../store/types.js';
import type { Clock } from '../../util/clock.js';
import { safeEqual } from '../../util/crypto.js';
import { pushKeyOf } from './push-key.js';
import type { PushTarget } from './push-urls.js';
import { openSecrets, readPushRecord, type Registration, type RegistrationSecrets } from './registration-record.js';

const MIN_REFRESH_MS = 250;

export interface PushEndpoint {
  registration: Registration;
  secrets: RegistrationSecrets;
}

interface Entry {
  at: number;
  /** undefined: the calendar has no (readable) registration. */
  value: PushEndpoint | undefined;
}

export class PushDirectory {
  private readonly cache = new Map<string, Entry>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly opts: { ttlMs?: number; maxEntries?: number } = {},
  ) {}

  /** The registration `target` names, when its secret matches (constant time); undefined otherwise. */
  async find(target: PushTarget): Promise<PushEndpoint | undefined> {
    const key = `${target.tenantId}\u0000${target.calendarId}`;
    const hit = this.cache.get(key);
    const ttlMs = this.opts.ttlMs ?? 5_000;
    let entry = hit && this.clock.now() - hit.at < ttlMs ? hit : await this.load(key, target);
    if (!matches(entry, target.secret) && entry === hit && this.clock.now() - entry.at >= MIN_REFRESH_MS) entry = await this.load(key, target);
    return matches(entry, target.secret) ? entry.value : undefined;
  }

  invalidate(calendarId?: string): void {
    if (calendarId === undefined) this.cache.clear();
    else for (const key of this.cache.keys()) if (key.endsWith(`\u0000${calendarId}`)) this.cache.delete(key);
  }

  private async load(key: string, target: PushTarget): Promise<Entry> {
    const entry: Entry = { at: this.clock.now(), value: await this.read(target) };
    this.cache.delete(key);
    if (this.cache.size >= (this.opts.maxEntries ?? 10_000)) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(key, entry);
    return entry;
  }

  private async read(target: PushTarget): Promise<PushEndpoint | undefined> {
    try {
      const calendar = await this.store.calendars.get(target.tenantId, target.calendarId);
      if (!calendar) return undefined;
      const record = readPushRecord(await this.store.syncState.get(target.tenantId, calendar.id));
      if (record?.kind !== 'registered') return undefined;
      const pushKey = pushKeyOf(await this.store.integrations.getCredentials(target.tenantId, calendar.integrationId));
      return pushKey ? { registration: record, secrets: openSecrets(pushKey, calendar.id, record.secrets) } : undefined;
    } catch {
      // Unknown tenant or calendar, secrets that will not open: not a registration of ours.
      return undefined;
    }
  }
}

function matches(entry: Entry, secret: string): entry is Entry & { value: PushEndpoint } {
  return entry.value !== undefined && safeEqual(entry.value.secrets.resourceSecret, secret);
}
