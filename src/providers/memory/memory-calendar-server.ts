/**
 * An in-process calendar server: accounts with calendars and items, etags that change on every write,
 * stored copies the server rewrites, cursors that expire, and scheduled faults (`faults`). The
 * `MemoryProvider` is one client of it; `otherClient()` is another — the user's phone editing the same
 * calendar directly, unaffected by the faults aimed at our requests.
 *
 * Deterministic: etags and random faults come from a seeded PRNG and time from the injected clock.
 */
import { createHash } from 'node:crypto';
import { CalsyncError } from '../../errors.js';
import { stableStringify } from '../../model/hash.js';
import type { CalendarEvent } from '../../model/event.js';
import { isoNow, systemClock, type Clock } from '../../util/clock.js';
import type { ChangeSet, RemoteCalendar, RemoteItem } from '../types.js';
import { FaultPlan, type ServerOperation } from './faults.js';
import { listChanges, toRemoteItem } from './listing.js';
import { MemoryCalendar, type StoreExtra, type StoredItem } from './memory-calendar.js';
import { MemoryOtherClient } from './memory-other-client.js';
import { randomHex, seededRandom, type Random } from './random.js';
import { stampLikeCalDav, type StoredCopyRewrite } from './stored-copy.js';

export interface MemoryServerOptions {
  /** Default: the system clock. */
  clock?: Clock;
  /** PRNG seed for etags, epochs and random faults (default 1). */
  seed?: number;
  /** How stored copies differ from what was sent (default `stampLikeCalDav`); `false` stores verbatim. */
  rewrite?: StoredCopyRewrite | false;
  /** Cursors older than this are invalid (Radicale: 30 days); default: no age limit. */
  cursorTtlMs?: number;
  /** Change-log entries kept per calendar before older cursors become invalid (default 100,000). */
  maxChangeLogEntries?: number;
  /**
   * Cursors are hashes of each calendar's content (item ids and etags), as Radicale's CTag and
   * Xandikos's CTag and sync-token are: undoing a write brings the cursor back to its earlier value.
   * Etags are then content hashes too (as on those servers: the same content has the same etag, so
   * `touch` changes nothing). Default false (change-log positions, a fresh etag per write).
   */
  contentHashCursors?: boolean;
}

export interface AddCalendarOptions {
  account?: string;
  remoteId?: string;
  name?: string;
  color?: string;
  writable?: boolean;
  components?: string[];
}

/** How a write is conditioned: a create (If-None-Match: *) or an update (If-Match: etag). */
export type WritePrecondition = { kind: 'create' } | { kind: 'update'; etag: string };

export const DEFAULT_ACCOUNT = 'default';

export class MemoryCalendarServer {
  readonly clock: Clock;
  readonly faults: FaultPlan;
  private readonly random: Random;
  private readonly calendars = new Map<string, MemoryCalendar>();
  private rewrite: StoredCopyRewrite | false;
  private readonly cursorTtlMs: number | undefined;
  private readonly maxChangeLogEntries: number;
  private readonly contentHashCursors: boolean;
  private writes = 0;

  constructor(options: MemoryServerOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.random = seededRandom(options.seed ?? 1);
    this.faults = new FaultPlan(this.random);
    this.rewrite = options.rewrite ?? stampLikeCalDav;
    this.cursorTtlMs = options.cursorTtlMs;
    this.maxChangeLogEntries = options.maxChangeLogEntries ?? 100_000;
    this.contentHashCursors = options.contentHashCursors ?? false;
  }

  addCalendar(options: AddCalendarOptions = {}): RemoteCalendar {
    const remoteId = options.remoteId ?? `cal-${this.calendars.size + 1}`;
    if (this.calendars.has(remoteId)) throw new CalsyncError('PROVIDER_CONFLICT', `calendar ${remoteId} already exists`);
    const info: RemoteCalendar = { remoteId, name: options.name ?? `Calendar ${this.calendars.size + 1}`, writable: options.writable ?? true };
    if (options.color !== undefined) info.color = options.color;
    info.components = options.components ?? ['VEVENT'];
    this.calendars.set(remoteId, new MemoryCalendar(options.account ?? DEFAULT_ACCOUNT, info, randomHex(this.random, 8), this.maxChangeLogEntries));
    return { ...info };
  }

  setWritable(calendarId: string, writable: boolean): void {
    this.calendar(calendarId).info.writable = writable;
  }

  setRewrite(rewrite: StoredCopyRewrite | false): void {
    this.rewrite = rewrite;
  }

  /** Invalidate every outstanding cursor of a calendar (a server-side token reset). */
  expireCursors(calendarId: string): void {
    this.calendar(calendarId).epoch = randomHex(this.random, 8);
  }

  /** A foreign client on this calendar: writes bypass our faults and carry no hub id unless given. */
  otherClient(calendarId: string): MemoryOtherClient {
    return new MemoryOtherClient(this.calendar(calendarId), (cal, remoteId, event, extra) => this.store(cal, remoteId, event, extra));
  }

  /** What the server holds (for assertions), readable items only, as clones. */
  items(calendarId: string): RemoteItem[] {
    return [...this.calendar(calendarId).all()].flatMap((s) => (s.event ? [toRemoteItem({ ...s, event: s.event })] : []));
  }

  /** Runs one request of `op`, applying scheduled faults before it and after it commits. */
  request<T>(op: ServerOperation, calendarId: string | undefined, action: () => T): T {
    this.faults.check(op, calendarId, false);
    const result = action();
    this.faults.check(op, calendarId, true);
    return result;
  }

  calendarsOf(account: string): RemoteCalendar[] {
    return [...this.calendars.values()].filter((c) => c.account === account).map((c) => structuredClone(c.info));
  }

  listChanges(account: string, calendarId: string, cursor: string | null, opts: { full: boolean; incremental: boolean }): ChangeSet {
    return listChanges(this.calendar(calendarId, account), cursor, { ...opts, nowMs: this.clock.now(), cursorTtlMs: this.cursorTtlMs, contentHash: this.contentHashCursors });
  }

  read(account: string, calendarId: string, remoteIds: readonly string[]): RemoteItem[] {
    const cal = this.calendar(calendarId, account);
    const stored = remoteIds.flatMap((id) => cal.get(id) ?? []);
    const unreadable = stored.filter((s) => !s.event);
    if (unreadable.length > 1) {
      const ids = unreadable.map((s) => s.remoteId);
      throw new CalsyncError('PROVIDER_ITEM_UNREADABLE', `items ${ids.join(', ')} cannot be read`, { details: { remoteId: ids[0], remoteIds: ids } });
    }
    return stored.map(readable);
  }

  readByUid(account: string, calendarId: string, uid: string): RemoteItem | undefined {
    const stored = this.calendar(calendarId, account).findUid(uid);
    return stored ? readable(stored) : undefined;
  }

  write(account: string, calendarId: string, remoteId: string, event: CalendarEvent, precondition: WritePrecondition, hubId: string): RemoteItem {
    const cal = this.writableCalendar(calendarId, account);
    this.applyRace(precondition.kind, cal, remoteId, event);
    const existing = cal.get(remoteId);
    if (precondition.kind === 'create') {
      const byUid = cal.findUid(event.uid);
      if (existing || byUid) {
        throw new CalsyncError('PROVIDER_CONFLICT', `an item with UID ${event.uid} already exists in ${calendarId}`, {
          details: { calendarId, remoteId: (existing ?? byUid)?.remoteId, uid: event.uid },
        });
      }
    } else {
      checkEtag(calendarId, remoteId, existing, precondition.etag);
      if (existing?.event && existing.event.uid !== event.uid) {
        throw new CalsyncError('PROVIDER_REJECTED', `an update may not change the UID of ${remoteId}`, { details: { calendarId, remoteId } });
      }
    }
    return readable(this.store(cal, remoteId, event, { hubId }));
  }

  remove(account: string, calendarId: string, remoteId: string, etag: string): void {
    const cal = this.writableCalendar(calendarId, account);
    this.applyRace('delete', cal, remoteId, undefined);
    const existing = cal.get(remoteId);
    if (!existing) return;
    checkEtag(calendarId, remoteId, existing, etag);
    cal.remove(remoteId);
  }

  private applyRace(op: 'create' | 'update' | 'delete', cal: MemoryCalendar, remoteId: string, event: CalendarEvent | undefined): void {
    const mutate = this.faults.takeRace(op, cal.info.remoteId);
    if (!mutate) return;
    const existing = cal.get(remoteId);
    if (op === 'create' && event) this.store(cal, remoteId, mutate(structuredClone(event)), {});
    else if (existing?.event) this.store(cal, remoteId, mutate(structuredClone(existing.event)), existing.hubId === undefined ? {} : { hubId: existing.hubId });
  }

  private store(cal: MemoryCalendar, remoteId: string, event: CalendarEvent | undefined, extra: StoreExtra): StoredItem {
    this.writes += 1;
    const item: StoredItem = { remoteId, etag: `"${randomHex(this.random, 8)}-${this.writes}"` };
    if (event) {
      const copy = structuredClone(event);
      item.event = this.rewrite && !extra.verbatim ? this.rewrite(copy, { now: isoNow(this.clock) }) : copy;
      if (this.contentHashCursors) item.etag = `"${createHash('sha256').update(stableStringify({ event: item.event, hubId: extra.hubId ?? null })).digest('hex').slice(0, 16)}"`;
    }
    if (extra.hubId !== undefined) item.hubId = extra.hubId;
    if (extra.corruptReason !== undefined) item.corruptReason = extra.corruptReason;
    cal.put(item);
    return item;
  }

  private calendar(calendarId: string, account?: string): MemoryCalendar {
    const cal = this.calendars.get(calendarId);
    if (!cal || (account !== undefined && cal.account !== account)) {
      throw new CalsyncError('PROVIDER_NOT_FOUND', `calendar ${calendarId} not found`, { details: { calendarId } });
    }
    return cal;
  }

  private writableCalendar(calendarId: string, account: string): MemoryCalendar {
    const cal = this.calendar(calendarId, account);
    if (!cal.info.writable) throw new CalsyncError('PROVIDER_REJECTED', `calendar ${calendarId} is read-only`, { details: { calendarId } });
    return cal;
  }
}

function readable(stored: StoredItem): RemoteItem {
  if (!stored.event) {
    // Never report an unreadable item as absent: absence means "deleted" to the engine.
    throw new CalsyncError('PROVIDER_ITEM_UNREADABLE', `item ${stored.remoteId} cannot be read: ${stored.corruptReason ?? 'unreadable'}`, {
      details: { remoteId: stored.remoteId, remoteIds: [stored.remoteId] },
    });
  }
  return toRemoteItem({ ...stored, event: stored.event });
}

function checkEtag(calendarId: string, remoteId: string, existing: StoredItem | undefined, etag: string): void {
  if (!existing) throw new CalsyncError('PROVIDER_NOT_FOUND', `item ${remoteId} not found in ${calendarId}`, { details: { calendarId, remoteId } });
  if (existing.etag !== etag) {
    throw new CalsyncError('PROVIDER_PRECONDITION_FAILED', `item ${remoteId} changed since etag ${etag}`, {
      details: { calendarId, remoteId, expected: etag, current: existing.etag },
    });
  }
}
