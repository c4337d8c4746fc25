/**
 * Outlook through Microsoft Graph as a `CalendarProvider` (src/providers/types.ts), for one mailbox.
 * Reading: change-listing.ts (delta) and item-reader.ts (series assembly); writing: item-writer.ts;
 * HTTP: client.ts (≤ 4 concurrent requests, Retry-After, token refresh) and http/batch.ts.
 *
 * A write returns the server's copy and whether it is provably ours (`WriteResult`): a single event's
 * item is built from the POST/PATCH response itself (its changeKey is our write's, nothing can slip in);
 * a series is read back after its occurrence writes and proven unmoved (`seriesIsOurs`).
 */
import { CalsyncError } from '../../errors.js';
import type { CalendarEvent } from '../../model/event.js';
import { stableStringify } from '../../model/hash.js';
import type { Clock } from '../../util/clock.js';
import { systemClock } from '../../util/clock.js';
import type { CalendarProvider, ChangeSet, ProviderCapabilities, RemoteCalendar, RemoteItem, RequestStats, WriteOptions, WriteResult } from '../types.js';
import type { GraphClient } from './client.js';
import type { BudgetSnapshot } from './http/budget.js';
import { GRAPH_PROVIDER_KIND, OUTLOOK_MAX_CONCURRENCY, UID_PROPERTY } from './constants.js';
import type { ProviderContext, SyncWindow } from './context.js';
import { EXPAND_QUERY, calendarEventsPath } from './context.js';
import { asListingFailure, deltaListing, fullListing } from './change-listing.js';
import type { GraphCalendar, GraphEvent } from './graph-types.js';
import { collectListing, collectPages } from './http/paging.js';
import { ETAG_SEPARATOR, buildItem, failsTheListing, getEvents, itemEtag, itemOf, readItems, readSeries } from './item-reader.js';
import { deleteEvent, patchEvent, postEvent, readBackFailed, seriesIsOurs, syncOccurrences } from './item-writer.js';
import { eventToGraph } from './mapping/event-to-graph.js';
import { supportsRecurrence } from './mapping/recurrence-to-graph.js';
import { outlookPattern } from './mapping/snapshot.js';

export interface GraphProviderOptions {
  client: GraphClient;
  /** Days before now the delta window starts. Default 365. */
  pastDays?: number;
  /** Days after now the delta window ends. Default 730. */
  futureDays?: number;
  /** Days after which a delta cursor's window is renewed through a full listing. Default 30. */
  windowRefreshDays?: number;
  /** IANA zone floating hub times are written in (Graph has no floating time). Default UTC. */
  floatingZone?: string;
  clock?: Clock;
  /** Releases what the creator opened for this provider (the HTTP transport); called by `close()`. */
  onClose?: () => Promise<void>;
}

const DAY_MS = 86_400_000;

/** The part of an item etag that covers a series' exceptions and cancellations ('' when none). */
const seriesDigest = (itemEtagValue: string): string => itemEtagValue.split(ETAG_SEPARATOR)[1] ?? '';

/** OData string literal: single quotes doubled. */
const literal = (value: string): string => `'${value.replace(/'/g, "''")}'`;

export class GraphProvider implements CalendarProvider {
  readonly kind = GRAPH_PROVIDER_KIND;
  readonly capabilities: ProviderCapabilities = { incremental: true, push: true, supportsRecurrence, maxConcurrency: OUTLOOK_MAX_CONCURRENCY };
  readonly stats: RequestStats;
  private readonly ctx: ProviderContext;
  private readonly windowRefreshDays: number;
  private readonly onClose: (() => Promise<void>) | undefined;

  constructor(opts: GraphProviderOptions) {
    const clock = opts.clock ?? systemClock;
    const pastDays = opts.pastDays ?? 365;
    const futureDays = opts.futureDays ?? 730;
    const client = opts.client;
    this.windowRefreshDays = opts.windowRefreshDays ?? 30;
    this.onClose = opts.onClose;
    this.ctx = {
      client,
      window: (): SyncWindow => {
        // Whole days, so two listings on the same day ask for the same window.
        const today = Math.floor(clock.now() / DAY_MS) * DAY_MS;
        return { fromMs: today - pastDays * DAY_MS, toMs: today + (futureDays + 1) * DAY_MS };
      },
      floatingZone: opts.floatingZone ?? 'UTC',
    };
    this.stats = {
      get requests(): number {
        return client.requests;
      },
      get throttled(): number {
        return client.throttled;
      },
    };
  }

  async listCalendars(): Promise<RemoteCalendar[]> {
    const { items } = await collectListing<GraphCalendar>(this.ctx.client, { method: 'GET', url: '/me/calendars' });
    return items.map((c) => {
      const color = c.hexColor || undefined;
      return { remoteId: c.id, name: c.name ?? '', writable: c.canEdit !== false, ...(color ? { color } : {}) };
    });
  }

  async listChanges(calendarId: string, cursor: string | null, opts: { full?: boolean } = {}): Promise<ChangeSet> {
    try {
      if (cursor === null || opts.full) return await fullListing(this.ctx, calendarId);
      return await deltaListing(this.ctx, calendarId, cursor, this.windowRefreshDays);
    } catch (err) {
      throw asListingFailure(err);
    }
  }

  /**
   * Items by id; ids that do not exist are absent. An event that exists but cannot be mapped into the
   * model is PROVIDER_ITEM_UNREADABLE (details: `remoteId`, `remoteIds`), never absent: the engine reads
   * absence as a deletion. Transport failures (throttling, outages) keep their own codes.
   */
  async fetch(calendarId: string, remoteIds: readonly string[]): Promise<RemoteItem[]> {
    const events = await getEvents(this.ctx, calendarId, remoteIds);
    const items = new Map<string, RemoteItem>();
    const unreadable: { id: string; reason: string }[] = [];
    for (const [id, event] of events) {
      if (event.type === 'occurrence' || event.type === 'exception') continue;
      try {
        items.set(id, await buildItem(this.ctx, event));
      } catch (err) {
        // As in listings (change-listing.ts): a failed request keeps its code, anything else is the data.
        if (failsTheListing(err)) throw err;
        unreadable.push({ id, reason: err instanceof Error ? err.message : String(err) });
      }
    }
    if (unreadable.length > 0) {
      const ids = unreadable.map((u) => u.id);
      throw new CalsyncError('PROVIDER_ITEM_UNREADABLE', `event(s) cannot be read: ${unreadable.map((u) => `${u.id} (${u.reason})`).join('; ')}`, {
        details: { remoteId: ids[0], remoteIds: ids },
      });
    }
    return remoteIds.flatMap((id) => items.get(id) ?? []);
  }

  async findByUid(calendarId: string, uid: string): Promise<RemoteItem | undefined> {
    // Our UID property first (events we wrote), then iCalUId (events that came from elsewhere).
    const filters = [`singleValueExtendedProperties/any(ep: ep/id eq ${literal(UID_PROPERTY)} and ep/value eq ${literal(uid)})`, `iCalUId eq ${literal(uid)}`];
    for (const $filter of filters) {
      const { items } = await collectPages<GraphEvent>(this.ctx.client, { method: 'GET', url: calendarEventsPath(calendarId), query: { $filter, ...EXPAND_QUERY } });
      const first = items.find((e) => e.type !== 'occurrence' && e.type !== 'exception');
      if (first) return buildItem(this.ctx, first);
    }
    return undefined;
  }

  async create(calendarId: string, event: CalendarEvent, opts: WriteOptions): Promise<WriteResult> {
    // Refuse an unsupported recurrence before any request (PROVIDER_REJECTED, nothing written).
    eventToGraph(event, { floatingZone: this.ctx.floatingZone });
    const existing = await this.findByUid(calendarId, event.uid).catch((err: unknown) => {
      throw notSent(err);
    });
    if (existing) {
      throw new CalsyncError('PROVIDER_CONFLICT', `an event with UID ${event.uid} already exists in the calendar`, { details: { uid: event.uid, remoteId: existing.remoteId } });
    }
    const created = await postEvent(this.ctx, calendarId, event, opts);
    return this.written(calendarId, created, event);
  }

  async update(calendarId: string, remoteId: string, event: CalendarEvent, etag: string, opts: WriteOptions): Promise<WriteResult> {
    eventToGraph(event, { floatingZone: this.ctx.floatingZone });
    // A series' item etag also covers its exceptions, which the master's If-Match cannot see: compare
    // it first. A single event needs no read — If-Match on the PATCH decides.
    let keepPattern = false;
    let keepsExceptions = false;
    if (event.recurrence || etag.includes(ETAG_SEPARATOR)) {
      const current = (await readItems(this.ctx, calendarId, [remoteId])).get(remoteId);
      if (!current) throw new CalsyncError('PROVIDER_NOT_FOUND', `event ${remoteId} does not exist`, { details: { remoteId } });
      if (current.etag !== etag) throw new CalsyncError('PROVIDER_PRECONDITION_FAILED', `event ${remoteId} changed since etag ${etag}`, { details: { remoteId, etag, current: current.etag } });
      const mapping = { floatingZone: this.ctx.floatingZone };
      keepPattern = event.recurrence !== undefined && stableStringify(outlookPattern(current.event, mapping)) === stableStringify(outlookPattern(event, mapping));
      // Outlook keeps a series' exceptions only when neither its pattern nor its times change.
      const times = (e: CalendarEvent): string => {
        const g = eventToGraph(e, mapping);
        return stableStringify([g.start, g.end, g.isAllDay]);
      };
      keepsExceptions = keepPattern && times(current.event) === times(event);
    }
    const master = await patchEvent(this.ctx, remoteId, event, etag, opts, keepPattern);
    return this.written(calendarId, master, event, keepsExceptions ? etag : undefined);
  }

  async delete(_calendarId: string, remoteId: string, etag: string): Promise<void> {
    await deleteEvent(this.ctx, remoteId, etag);
  }

  /** The mailbox's request budget now (health: "close to its budget"). */
  requestBudget(): BudgetSnapshot {
    return this.ctx.client.budget.snapshot();
  }

  async close(): Promise<void> {
    await this.onClose?.();
  }

  /**
   * The result of a POST/PATCH whose response is `master`. A single event is its response: the changeKey
   * there is our write's, so the item is ours with no read at all. A series gets its occurrences written,
   * then is read back; it is ours only if nothing in it moved but what we wrote.
   *
   * `etagBefore`: the item etag checked before an update that keeps the series' exceptions. Its
   * exceptions, listed again before our occurrence writes, must still be the ones it covered: an
   * occurrence someone edited since (between our check and the listing) would otherwise be patched back
   * by us, so the update stops there with PROVIDER_PRECONDITION_FAILED and the engine re-reads and merges.
   * (An update that changes the series' times or pattern makes Outlook discard every exception anyway.)
   */
  private async written(calendarId: string, master: GraphEvent, event: CalendarEvent, etagBefore?: string): Promise<WriteResult> {
    const writtenEtag = master['@odata.etag'] ?? '';
    if (!event.recurrence || !master.recurrence) return { item: itemOf(this.ctx, master, undefined), ours: true, writtenEtag };
    const writes = await syncOccurrences(this.ctx, master, event, (before) => {
      if (etagBefore === undefined || seriesDigest(itemEtag(master, before.parts)) === seriesDigest(etagBefore)) return;
      throw new CalsyncError('PROVIDER_PRECONDITION_FAILED', `occurrences of ${master.id} changed since etag ${etagBefore}`, { details: { remoteId: master.id, etag: etagBefore } });
    });
    const readBack = async (): Promise<{ read: GraphEvent; series: Awaited<ReturnType<typeof readSeries>> | undefined }> => {
      const read = (await getEvents(this.ctx, calendarId, [master.id])).get(master.id);
      if (!read) throw readBackFailed(master.id);
      return { read, series: read.recurrence ? await readSeries(this.ctx, read) : undefined };
    };
    const { read, series } = await readBack().catch((err: unknown) => {
      // The write applied: the engine links what it wrote (details.written) and re-reads it next sync.
      if (err instanceof CalsyncError) throw new CalsyncError(err.code, err.message, { cause: err, ...(err.retryAfterS === undefined ? {} : { retryAfterS: err.retryAfterS }), details: { ...err.details, remoteId: master.id, written: true } });
      throw err;
    });
    const item = itemOf(this.ctx, read, series);
    return { item, ours: series !== undefined && seriesIsOurs(master, read, series, writes), writtenEtag };
  }
}

/**
 * A failure of the lookup that comes before a create (`details.sent: false`): the create itself was
 * never sent, so a lost answer here cannot have created anything (see `mayHaveApplied`).
 */
function notSent(err: unknown): unknown {
  if (!(err instanceof CalsyncError)) return err;
  return new CalsyncError(err.code, err.message, { cause: err, ...(err.retryAfterS === undefined ? {} : { retryAfterS: err.retryAfterS }), details: { ...err.details, sent: false } });
}
