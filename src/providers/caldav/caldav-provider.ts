/**
 * `CalendarProvider` for Apple iCloud and any CalDAV server (Radicale, Xandikos, Nextcloud, …).
 *
 * Layers: `DavClient` (one request, resilient) → `CalendarCollection` (one collection's requests) →
 * this class (events, cursors, preconditions). Calendar ids are absolute collection URLs (iCloud's
 * live on another host than the one the user entered); item ids are normalized resource paths.
 */
import { CalsyncError, isCalsyncError } from '../../errors.js';
import { serializeIcal } from '../../ical/index.js';
import type { CalendarEvent } from '../../model/event.js';
import { effectiveEnd } from '../../model/time.js';
import { systemClock, type Clock } from '../../util/clock.js';
import type { CalendarProvider, ChangeSet, ItemProblem, ProviderCapabilities, RemoteCalendar, RemoteItem, RequestStats, WriteOptions, WriteResult } from '../types.js';
import { sameContent } from '../../sync/fields.js';
import { CalendarCollection } from './calendar-collection.js';
import { ChangeDetector } from './change-detector.js';
import { CollectionPush } from './collection-push.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { DavClient, type FetchLike } from './dav-client.js';
import { DEFAULT_LISTING_LIMITS, ListingBudget, type ListingLimits } from './listing-budget.js';
import { findCalendarHomes, listCalendarsIn, type DiscoveredCalendar } from './discovery.js';
import type { CircuitStateName, ResilienceOptions, ServerPolicies } from '../../net/resilience.js';
import type { HostRateLimiter } from '../../net/shared-politeness.js';
import { collectReads, fetchedItems, readResource } from './resource-items.js';
import { resourceNameForUid } from './resource-name.js';
import type { Sleep, TokenBucketOptions } from '../../net/token-bucket.js';
import type { Lookup } from '../../net/url-policy.js';

/** iCloud's CalDAV entry point (caldav.md): discovery starts here and lands on a `pNN-caldav` host. */
export const ICLOUD_CALDAV_URL = 'https://caldav.icloud.com/';

export interface CalDavProviderOptions {
  /** Server URL as the user entered it (or `ICLOUD_CALDAV_URL`). */
  url: string;
  username: string;
  /** Password, or an iCloud app-specific password. */
  password: string;
  /** Default: a node:http fetch on the provider's own agents (address-guarded unless `allowPrivate`). */
  fetch?: FetchLike;
  /** Default: the system clock. */
  clock?: Clock;
  /** Allow loopback/private addresses and plain http (LAN servers, tests). Default false. */
  allowPrivate?: boolean;
  /** Per-attempt request timeout. Default 30 s. */
  timeoutMs?: number;
  /** Retries and circuit breaker (see `ResilienceOptions` for defaults). */
  resilience?: ResilienceOptions;
  /** Per-host token bucket. Default 20 burst, 10/s. */
  rateLimit?: TokenBucketOptions;
  /** A per-host rate limit shared with other providers (and, on Redis, other processes); overrides `rateLimit`. */
  rateLimiter?: HostRateLimiter;
  /** Circuit breakers shared with other providers (and, with a shared circuit, other processes). */
  policies?: ServerPolicies;
  /** Rate-limiter sleep (tests). */
  sleep?: Sleep;
  /** DNS lookup for the private-address check (tests). */
  lookup?: Lookup;
  /** Bounds on one listing's work: deadline, responses per collection member (see listing-budget.ts). */
  listingLimits?: Partial<ListingLimits>;
}

/**
 * One problem for the multiget entries a server added unasked (ignored, see listing-budget.ts). It names
 * the collection, not an item: no item of the listing is affected.
 */
function unrequestedProblems(calendarId: string, budget: ListingBudget): ItemProblem[] {
  if (budget.unrequested === 0) return [];
  return [
    {
      remoteId: calendarId,
      code: 'CALDAV_UNREQUESTED_RESPONSES',
      message: `the server answered ${budget.unrequested} multiget entries that were not requested (ignored), e.g. ${budget.unrequestedSamples.join(', ')}`,
    },
  ];
}

/** ETags compared as RFC 9110 weak comparison does (a `W/` prefix is not a difference). */
function sameEtag(a: string, b: string): boolean {
  const opaque = (tag: string): string => tag.trim().replace(/^W\//, '');
  return opaque(a) === opaque(b);
}

/** The event with every implicit end (master and overrides) written out; undefined when none is implicit. */
export function withImpliedEnds(event: CalendarEvent): CalendarEvent | undefined {
  if (event.end !== undefined && event.overrides.every((o) => o.end !== undefined)) return undefined;
  return {
    ...event,
    end: effectiveEnd(event.start, event.end),
    overrides: event.overrides.map((o) => ({ ...o, end: effectiveEnd(o.start, o.end) })),
  };
}

export class CalDavProvider implements CalendarProvider {
  readonly kind = 'caldav';
  readonly capabilities: ProviderCapabilities = {
    incremental: true,
    push: false,
    supportsRecurrence: () => true,
    maxConcurrency: 4,
  };
  private readonly client: DavClient;
  private readonly detector = new ChangeDetector(() => this.clock.now());
  private readonly clock: Clock;
  /** calendar-home-set URLs found by the first discovery. */
  private homes: string[] | undefined;

  constructor(private readonly options: CalDavProviderOptions) {
    this.clock = options.clock ?? systemClock;
    this.client = new DavClient({
      trustedUrl: options.url,
      username: options.username,
      password: options.password,
      clock: this.clock,
      ...(options.fetch && { fetch: options.fetch }),
      ...(options.allowPrivate !== undefined && { allowPrivate: options.allowPrivate }),
      ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
      ...(options.resilience && { resilience: options.resilience }),
      ...(options.rateLimit && { rateLimit: options.rateLimit }),
      ...(options.rateLimiter && { rateLimiter: options.rateLimiter }),
      ...(options.policies && { policies: options.policies }),
      ...(options.sleep && { sleep: options.sleep }),
      ...(options.lookup && { lookup: options.lookup }),
    });
  }

  get stats(): RequestStats {
    return this.client.stats;
  }

  /** Circuit state of the server behind `url` (default: the server the user entered). */
  circuitState(url: string = this.options.url): CircuitStateName {
    return this.client.circuitState(url);
  }

  async listCalendars(): Promise<RemoteCalendar[]> {
    const found = await this.discover();
    // A collection is either VEVENT or VTODO on iCloud; task lists cannot hold events.
    return found
      .filter((c) => c.components === undefined || c.components.includes('VEVENT'))
      .map((c) => ({
        remoteId: c.url,
        name: c.name,
        writable: c.writable,
        ...(c.color === undefined ? {} : { color: c.color }),
        ...(c.components === undefined ? {} : { components: c.components }),
      }));
  }

  async listChanges(calendarId: string, cursor: string | null, opts: { full?: boolean } = {}): Promise<ChangeSet> {
    const previous = cursor === null ? null : decodeCursor(cursor);
    // Each resource is read into the model as its response arrives: the listing's text is never all held.
    const budget = this.budget(calendarId);
    const changes = await this.listing(calendarId, () => this.detector.detect(this.collection(calendarId, budget), previous, opts.full ?? false, readResource));
    const extra = unrequestedProblems(calendarId, budget);
    switch (changes.kind) {
      case 'unchanged':
        // Decided before any multiget: no unrequested entries can have been read.
        return { kind: 'unchanged', cursor: encodeCursor(changes.cursor) };
      case 'delta': {
        const read = collectReads(changes.changed);
        return { kind: 'delta', changed: read.items, removed: changes.removed, cursor: encodeCursor(changes.cursor), problems: [...read.problems, ...extra] };
      }
      case 'full': {
        const read = collectReads(changes.items);
        return { kind: 'full', items: read.items, cursor: encodeCursor(changes.cursor), problems: [...read.problems, ...extra] };
      }
    }
  }

  async fetch(calendarId: string, remoteIds: readonly string[]): Promise<RemoteItem[]> {
    if (remoteIds.length === 0) return [];
    const reads = await this.listing(calendarId, () => this.collection(calendarId, this.budget(calendarId)).multiget(remoteIds, readResource));
    // An id the server returned exists: one that cannot be read is an error, never "absent".
    return fetchedItems(reads);
  }

  async findByUid(calendarId: string, uid: string): Promise<RemoteItem | undefined> {
    // text-match is a substring match (RFC 4791 §9.7.5), so the parsed UID is compared exactly.
    const reads = await this.listing(calendarId, () => this.collection(calendarId, this.budget(calendarId)).query(true, { uid }, readResource));
    return collectReads(reads).items.find((item) => item.event.uid === uid);
  }

  async create(calendarId: string, event: CalendarEvent, opts: WriteOptions): Promise<WriteResult> {
    const collection = this.collection(calendarId);
    const href = `${collection.path}${resourceNameForUid(event.uid)}`;
    let written: { etag: string | undefined; sent: CalendarEvent };
    try {
      written = await this.put(collection, href, event, opts, { ifNoneMatch: true });
    } catch (err) {
      // If-None-Match: * failed: the resource exists (a retried create, or another client's item).
      if (isCalsyncError(err) && err.code === 'PROVIDER_PRECONDITION_FAILED') {
        throw new CalsyncError('PROVIDER_CONFLICT', `an item named for UID ${event.uid} already exists`, { cause: err, details: { uid: event.uid, remoteId: href } });
      }
      throw err;
    }
    return this.storedCopy(collection, href, written.sent, written.etag);
  }

  async update(calendarId: string, remoteId: string, event: CalendarEvent, etag: string, opts: WriteOptions): Promise<WriteResult> {
    const collection = this.collection(calendarId);
    let written: { etag: string | undefined; sent: CalendarEvent };
    try {
      written = await this.put(collection, remoteId, event, opts, { ifMatch: etag });
    } catch (err) {
      // If-Match on a missing resource also fails with 412; tell "gone" apart from "changed".
      if (isCalsyncError(err) && err.code === 'PROVIDER_PRECONDITION_FAILED' && (await collection.get(remoteId)) === undefined) {
        throw new CalsyncError('PROVIDER_NOT_FOUND', `${remoteId} is gone`, { cause: err, details: { remoteId } });
      }
      throw err;
    }
    return this.storedCopy(collection, remoteId, written.sent, written.etag);
  }

  async delete(calendarId: string, remoteId: string, etag: string): Promise<void> {
    const collection = this.collection(calendarId);
    try {
      await collection.delete(remoteId, etag);
    } catch (err) {
      if (isCalsyncError(err) && err.code === 'PROVIDER_NOT_FOUND') return;
      if (isCalsyncError(err) && err.code === 'PROVIDER_PRECONDITION_FAILED' && (await collection.get(remoteId)) === undefined) return;
      throw err;
    }
  }

  /** Calendars of the cached home sets; discovery runs again when a home has moved or vanished. */
  private async discover(): Promise<DiscoveredCalendar[]> {
    if (this.homes) {
      try {
        return (await Promise.all(this.homes.map((home) => listCalendarsIn(this.client, home)))).flat();
      } catch (err) {
        if (!isCalsyncError(err) || (err.code !== 'PROVIDER_NOT_FOUND' && err.code !== 'PROVIDER_REJECTED')) throw err;
      }
    }
    this.homes = await findCalendarHomes(this.client, this.options.url);
    return (await Promise.all(this.homes.map((home) => listCalendarsIn(this.client, home)))).flat();
  }

  /** WebDAV-Push of one calendar (detection, registration), over this provider's resilient client. */
  push(calendarId: string): CollectionPush {
    return new CollectionPush(this.client, calendarId, this.clock);
  }

  private collection(calendarId: string, budget?: ListingBudget): CalendarCollection {
    return new CalendarCollection(this.client, calendarId, budget);
  }

  /** A fresh budget for one listing of `calendarId`. */
  private budget(calendarId: string): ListingBudget {
    return new ListingBudget(this.clock, calendarId, { ...DEFAULT_LISTING_LIMITS, ...this.options.listingLimits });
  }

  /**
   * One PUT, and the one retry a 404 gets when the event has an end left implicit: iCloud answers 404
   * to a VEVENT with DTSTART but neither DTEND nor DURATION (bitfireAT/davx5-ose#1859,
   * pimutils/vdirsyncer#1200), so the same event goes again with the end RFC 5545 §3.6.1 implies
   * written out. Returns the ETag the PUT answered with and the event that was sent.
   */
  private async put(
    collection: CalendarCollection,
    href: string,
    event: CalendarEvent,
    opts: WriteOptions,
    precondition: { ifNoneMatch: true } | { ifMatch: string },
  ): Promise<{ etag: string | undefined; sent: CalendarEvent }> {
    try {
      return { etag: await collection.put(href, this.serialize(event, opts), precondition), sent: event };
    } catch (err) {
      const explicit = withImpliedEnds(event);
      if (!explicit || !isCalsyncError(err) || err.code !== 'PROVIDER_NOT_FOUND') throw err;
      return { etag: await collection.put(href, this.serialize(explicit, opts), precondition), sent: explicit };
    }
  }

  private serialize(event: CalendarEvent, opts: WriteOptions): string {
    return serializeIcal([event], { hubId: opts.hubId, clock: this.clock });
  }

  /**
   * The server's copy after a write, and whether it is provably ours. Radicale and Xandikos rewrite what
   * they store, so the stored bytes (not ours) are the item. Between our PUT and this GET another client
   * may have written: the copy is ours only when its ETag is the one our PUT answered with — or, when the
   * PUT carried none, when what it holds is what we wrote (compared as the sync engine compares events).
   */
  private async storedCopy(collection: CalendarCollection, href: string, sent: CalendarEvent, putEtag: string | undefined): Promise<WriteResult> {
    let stored: Awaited<ReturnType<CalendarCollection['get']>>;
    try {
      stored = await collection.get(href);
      // A GET without ETag header (allowed, if unhelpful): calendar-multiget always carries getetag.
      if (stored?.etag === '') [stored] = await collection.multiget([href]);
    } catch (err) {
      // The PUT applied: the engine links what it wrote (details.written) and re-reads it next sync.
      if (err instanceof CalsyncError) throw new CalsyncError(err.code, err.message, { cause: err, ...(err.retryAfterS === undefined ? {} : { retryAfterS: err.retryAfterS }), details: { ...err.details, remoteId: href, written: true } });
      throw err;
    }
    if (!stored) {
      // Applied, then deleted by someone else before our GET: the engine keeps the link (details.written)
      // so the next sync sees the deletion instead of writing the event again.
      throw new CalsyncError('PROVIDER_NOT_FOUND', `${href} was written but is gone when read back`, { details: { remoteId: href, written: true } });
    }
    const { item } = readResource(stored);
    if (!item) throw new CalsyncError('PROVIDER_REJECTED', `the server stored ${href} in a form calsync cannot read`, { details: { remoteId: href } });
    const writtenEtag = putEtag ?? '';
    const ours = writtenEtag === '' ? sameContent(item.event, sent) : sameEtag(writtenEtag, item.etag);
    return { item, ours, writtenEtag };
  }

  /** A listing that fails is never "empty": outages keep their code, anything else is LISTING_FAILED. */
  private async listing<T>(calendarId: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (isCalsyncError(err) && err.code !== 'PROVIDER_REJECTED') throw err;
      throw new CalsyncError('PROVIDER_LISTING_FAILED', `listing ${calendarId} failed: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
        details: { calendarId },
      });
    }
  }
}
