/**
 * `CalendarProvider` over a `MemoryCalendarServer`, bound to one account. It behaves like the real
 * providers where the engine can tell the difference: remote ids derived from the UID (idempotent
 * create), If-Match writes, stored copies returned from writes, request counting, and a configurable
 * recurrence capability so tests can play Outlook refusing a rule it cannot express.
 */
import { CalsyncError } from '../../errors.js';
import type { CalendarEvent } from '../../model/event.js';
import type { CalendarProvider, ChangeSet, ProviderCapabilities, RemoteCalendar, RemoteItem, RequestStats, WriteOptions, WriteResult } from '../types.js';
import type { ServerOperation } from './faults.js';
import { DEFAULT_ACCOUNT, type MemoryCalendarServer } from './memory-calendar-server.js';

export interface MemoryProviderOptions {
  /** Account whose calendars this provider sees (default `'default'`). */
  account?: string;
  /** Which RRULEs the "remote system" can express (default: all). Writes of others are rejected. */
  supportsRecurrence?: (rrule: string) => boolean;
  /** False: no delta support; listings after the first are `unchanged` or `full` (default true). */
  incremental?: boolean;
  /** Reported push capability (default false). */
  push?: boolean;
  /** Reported concurrency limit (default 4, Outlook's per-mailbox limit). */
  maxConcurrency?: number;
  /** Ids per fetch request, like a calendar-multiget batch (default 100); each batch counts a request. */
  fetchBatchSize?: number;
  /** Provider kind reported (default `'memory'`). */
  kind?: string;
}

/**
 * Resource name for a UID: percent-encoding keeps it injective (two UIDs never share a name) and free of
 * characters servers such as iCloud reject.
 */
export function remoteIdForUid(uid: string): string {
  return `${encodeURIComponent(uid).replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}.ics`;
}

/** The memory server answers a write with the copy it stored, in the same step: always our own. */
function written(item: RemoteItem): WriteResult {
  return { item, ours: true, writtenEtag: item.etag };
}

export class MemoryProvider implements CalendarProvider {
  readonly kind: string;
  readonly capabilities: ProviderCapabilities;
  readonly stats: RequestStats = { requests: 0 };
  private readonly account: string;
  private readonly fetchBatchSize: number;
  private closed = false;

  constructor(
    private readonly server: MemoryCalendarServer,
    options: MemoryProviderOptions = {},
  ) {
    this.kind = options.kind ?? 'memory';
    this.account = options.account ?? DEFAULT_ACCOUNT;
    this.fetchBatchSize = Math.max(1, options.fetchBatchSize ?? 100);
    this.capabilities = {
      incremental: options.incremental ?? true,
      push: options.push ?? false,
      supportsRecurrence: options.supportsRecurrence ?? (() => true),
      maxConcurrency: options.maxConcurrency ?? 4,
    };
  }

  async listCalendars(): Promise<RemoteCalendar[]> {
    return this.send('listCalendars', undefined, () => this.server.calendarsOf(this.account));
  }

  async listChanges(calendarId: string, cursor: string | null, opts: { full?: boolean } = {}): Promise<ChangeSet> {
    const request = { full: opts.full ?? false, incremental: this.capabilities.incremental };
    return this.send('listChanges', calendarId, () => this.server.listChanges(this.account, calendarId, cursor, request));
  }

  async fetch(calendarId: string, remoteIds: readonly string[]): Promise<RemoteItem[]> {
    const items: RemoteItem[] = [];
    for (let i = 0; i < remoteIds.length; i += this.fetchBatchSize) {
      const batch = remoteIds.slice(i, i + this.fetchBatchSize);
      items.push(...this.send('fetch', calendarId, () => this.server.read(this.account, calendarId, batch)));
    }
    return items;
  }

  async findByUid(calendarId: string, uid: string): Promise<RemoteItem | undefined> {
    return this.send('findByUid', calendarId, () => this.server.readByUid(this.account, calendarId, uid));
  }

  async create(calendarId: string, event: CalendarEvent, opts: WriteOptions): Promise<WriteResult> {
    this.checkWritable(event);
    const remoteId = remoteIdForUid(event.uid);
    return written(this.send('create', calendarId, () => this.server.write(this.account, calendarId, remoteId, event, { kind: 'create' }, opts.hubId)));
  }

  async update(calendarId: string, remoteId: string, event: CalendarEvent, etag: string, opts: WriteOptions): Promise<WriteResult> {
    this.checkWritable(event);
    return written(this.send('update', calendarId, () => this.server.write(this.account, calendarId, remoteId, event, { kind: 'update', etag }, opts.hubId)));
  }

  async delete(calendarId: string, remoteId: string, etag: string): Promise<void> {
    this.send('delete', calendarId, () => this.server.remove(this.account, calendarId, remoteId, etag));
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** One request: counted whether or not it succeeds, since a failed request still cost a round trip. */
  private send<T>(op: ServerOperation, calendarId: string | undefined, action: () => T): T {
    if (this.closed) throw new CalsyncError('PROVIDER_UNAVAILABLE', 'memory provider is closed', { retryable: false });
    this.stats.requests += 1;
    return this.server.request(op, calendarId, action);
  }

  /** Rejected before sending, as Graph answers 400 to a recurrence it cannot express. */
  private checkWritable(event: CalendarEvent): void {
    if (event.uid.length === 0) throw new CalsyncError('PROVIDER_REJECTED', 'an event needs a UID to be written');
    const unsupported = event.recurrence?.rrules.filter((r) => !this.capabilities.supportsRecurrence(r)) ?? [];
    if (unsupported.length > 0) {
      throw new CalsyncError('PROVIDER_REJECTED', `${this.kind} cannot express RRULE ${unsupported.join(', ')}`, {
        details: { uid: event.uid, rrules: unsupported },
      });
    }
  }
}
