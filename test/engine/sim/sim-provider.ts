/**
 * `CalendarProvider` over a provider model, one instance per worker: every request goes through the
 * scheduler's two points (`send`, then `reply`), and writes are made of the requests the real
 * providers make — CalDAV: PUT, then GET of the stored copy; Graph: a UID look-up before a POST, a GET
 * of the series before a PATCH of one, then the read-back GET — so a third-party write can land
 * between our write and our read-back, and a crash or a lost response can fall between any two.
 *
 * Writes return the decided contract's `WriteResult` (common.md, decision 1): the read-back `item`,
 * `ours` (its etag is the one our write's response carried) and `writtenEtag`. The value is also a
 * `RemoteItem` (the read-back's fields at top level), so it satisfies the contract before the merge
 * (`Promise<RemoteItem>`) as well as after (`Promise<WriteResult>`): the engine of either version runs.
 */
import { CalsyncError } from '../../../src/errors.js';
import type { CalendarEvent } from '../../../src/model/event.js';
import type { CalendarProvider, ChangeSet, ProviderCapabilities, RemoteCalendar, RemoteItem, RequestStats, WriteOptions } from '../../../src/providers/types.js';
import type { ModelCalendar, Written } from './model-calendar.js';
import type { Scheduler } from './scheduler.js';

/** The decided `WriteResult` (src/providers/types.ts after the "writes" change). */
export interface SimWriteResult {
  item: RemoteItem;
  ours: boolean;
  writtenEtag: string;
}

export type WriteAnswer = RemoteItem & SimWriteResult;

function answer(item: RemoteItem, writtenEtag: string): WriteAnswer {
  return { ...structuredClone(item), item, ours: item.etag === writtenEtag, writtenEtag };
}

export class SimProvider implements CalendarProvider {
  readonly kind: string;
  readonly capabilities: ProviderCapabilities;
  readonly stats: RequestStats = { requests: 0 };

  constructor(
    private readonly model: ModelCalendar,
    private readonly scheduler: Scheduler,
    private readonly worker: number,
    /** Answer writes with the stored copy instead of reading it back (mask 1). */
    private readonly atomicWrites = false,
  ) {
    this.kind = model.name === 'graph' ? 'outlook' : 'caldav';
    this.capabilities = { incremental: true, push: false, supportsRecurrence: () => true, maxConcurrency: model.name === 'graph' ? 4 : 2 };
  }

  async listCalendars(): Promise<RemoteCalendar[]> {
    return this.request('calendars', () => [{ remoteId: this.model.remoteCalendarId, name: this.model.name, writable: true }]);
  }

  async listChanges(calendarId: string, cursor: string | null, opts: { full?: boolean } = {}): Promise<ChangeSet> {
    this.check(calendarId);
    return this.request(this.model.name === 'graph' ? 'delta' : 'sync-collection', () => this.model.listChanges(cursor, opts.full === true));
  }

  async fetch(calendarId: string, remoteIds: readonly string[]): Promise<RemoteItem[]> {
    this.check(calendarId);
    if (remoteIds.length === 0) return [];
    return this.request(this.model.name === 'graph' ? 'GET' : 'multiget', () => this.model.read(remoteIds));
  }

  async findByUid(calendarId: string, uid: string): Promise<RemoteItem | undefined> {
    this.check(calendarId);
    return this.request(this.model.name === 'graph' ? 'GET $filter' : 'REPORT uid', () => this.model.findUid(uid));
  }

  async create(calendarId: string, event: CalendarEvent, opts: WriteOptions): Promise<WriteAnswer> {
    this.check(calendarId);
    if (this.model.name === 'graph') {
      // As the Graph provider: a failed lookup says the create was never sent (details.sent).
      const existing = await this.findByUid(calendarId, event.uid).catch((err: unknown) => {
        if (err instanceof CalsyncError) throw new CalsyncError(err.code, err.message, { cause: err, ...(err.retryAfterS === undefined ? {} : { retryAfterS: err.retryAfterS }), details: { ...err.details, sent: false } });
        throw err;
      });
      if (existing) throw new CalsyncError('PROVIDER_CONFLICT', `UID ${event.uid} already exists`, { details: { remoteId: existing.remoteId, uid: event.uid } });
    }
    const written = await this.request(this.model.name === 'graph' ? 'POST' : 'PUT create', () => this.model.create(event, opts.hubId));
    return this.readBack(written);
  }

  async update(calendarId: string, remoteId: string, event: CalendarEvent, etag: string, opts: WriteOptions): Promise<WriteAnswer> {
    this.check(calendarId);
    if (this.model.name === 'graph' && event.recurrence) {
      // The series' etag is compared before the PATCH (its exceptions are not covered by If-Match).
      const [current] = await this.request('GET series', () => this.model.read([remoteId]));
      if (!current) throw new CalsyncError('PROVIDER_NOT_FOUND', `event ${remoteId} does not exist`, { details: { remoteId } });
      if (current.etag !== etag) throw new CalsyncError('PROVIDER_PRECONDITION_FAILED', `event ${remoteId} changed since etag ${etag}`, { details: { remoteId } });
    }
    const written = await this.request(this.model.name === 'graph' ? 'PATCH' : 'PUT', () => this.model.update(remoteId, event, etag, opts.hubId));
    return this.readBack(written);
  }

  async delete(calendarId: string, remoteId: string, etag: string): Promise<void> {
    this.check(calendarId);
    await this.request('DELETE', () => this.model.remove(remoteId, etag));
  }

  private async readBack(written: Written): Promise<WriteAnswer> {
    if (this.atomicWrites) return answer(written.item, written.writtenEtag);
    const remoteId = written.item.remoteId;
    // As the real providers: a read-back that fails after the write applied says so (details.written).
    const [item] = await this.request(this.model.name === 'graph' ? 'GET read-back' : 'GET stored copy', () => this.model.read([remoteId])).catch((err: unknown) => {
      if (err instanceof CalsyncError) throw new CalsyncError(err.code, err.message, { cause: err, ...(err.retryAfterS === undefined ? {} : { retryAfterS: err.retryAfterS }), details: { ...err.details, remoteId, written: true } });
      throw err;
    });
    if (!item) throw new CalsyncError('PROVIDER_NOT_FOUND', `${written.item.remoteId} is gone after our write`, { details: { remoteId: written.item.remoteId, written: true } });
    return answer(item, written.writtenEtag);
  }

  /** One request: `send` point, the server applies it (or refuses), `reply` point, the answer. */
  private async request<T>(what: string, apply: () => T): Promise<T> {
    this.stats.requests += 1;
    const label = `${this.model.name} ${what}`;
    await this.scheduler.point({ worker: this.worker, label, phase: 'send' });
    let result: { ok: true; value: T } | { ok: false; error: unknown };
    try {
      result = { ok: true, value: apply() };
    } catch (error) {
      result = { ok: false, error };
    }
    await this.scheduler.point({ worker: this.worker, label, phase: 'reply' });
    if (!result.ok) throw result.error;
    return structuredClone(result.value);
  }

  private check(calendarId: string): void {
    if (calendarId !== this.model.remoteCalendarId) throw new CalsyncError('PROVIDER_NOT_FOUND', `calendar ${calendarId} not found`, { details: { calendarId } });
  }
}
