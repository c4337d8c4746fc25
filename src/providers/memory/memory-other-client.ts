/**
 * Another client of the memory server — the user's phone or Outlook itself — editing a calendar
 * directly. Its writes skip preconditions and our injected faults, and carry no hub id unless told to,
 * exactly like an edit the sync engine did not make and must discover.
 */
import { CalsyncError } from '../../errors.js';
import type { CalendarEvent } from '../../model/event.js';
import type { RemoteItem } from '../types.js';
import { toRemoteItem } from './listing.js';
import type { MemoryCalendar, StoreExtra, StoredItem } from './memory-calendar.js';

type StoreFn = (cal: MemoryCalendar, remoteId: string, event: CalendarEvent | undefined, extra: StoreExtra) => StoredItem;

export interface OtherCreateOptions {
  /** Resource name; default derived from the UID as other clients commonly do. */
  remoteId?: string;
  hubId?: string;
  /** Store even when the UID is already used by another item (servers that do not enforce it). */
  allowDuplicateUid?: boolean;
}

export class MemoryOtherClient {
  constructor(
    private readonly cal: MemoryCalendar,
    private readonly store: StoreFn,
  ) {}

  create(event: CalendarEvent, options: OtherCreateOptions = {}): RemoteItem {
    const remoteId = options.remoteId ?? `other-${encodeURIComponent(event.uid)}.ics`;
    if (this.cal.get(remoteId) || (!options.allowDuplicateUid && this.cal.findUid(event.uid))) {
      throw new CalsyncError('PROVIDER_CONFLICT', `UID ${event.uid} or ${remoteId} already exists`, { details: { remoteId } });
    }
    return this.stored(this.store(this.cal, remoteId, event, options.hubId === undefined ? {} : { hubId: options.hubId }));
  }

  /** Overwrite an item (no If-Match); `change` receives the current event. The hub id is kept. */
  update(remoteId: string, change: CalendarEvent | ((current: CalendarEvent) => CalendarEvent)): RemoteItem {
    const existing = this.existing(remoteId);
    const current = existing.event;
    if (!current) throw new CalsyncError('ICAL_PARSE', `item ${remoteId} cannot be read`, { details: { remoteId } });
    const next = typeof change === 'function' ? change(structuredClone(current)) : change;
    return this.stored(this.store(this.cal, remoteId, next, existing.hubId === undefined ? {} : { hubId: existing.hubId }));
  }

  /** Delete without a precondition; deleting a missing item is a no-op, as on a real server. */
  delete(remoteId: string): void {
    this.cal.remove(remoteId);
  }

  /** A new etag for unchanged content (iCloud does this): a change the engine must see as a no-op. Returns the etag. */
  touch(remoteId: string): string {
    const existing = this.existing(remoteId);
    const extra: StoreExtra = { verbatim: true };
    if (existing.hubId !== undefined) extra.hubId = existing.hubId;
    if (existing.corruptReason !== undefined) extra.corruptReason = existing.corruptReason;
    return this.store(this.cal, remoteId, existing.event, extra).etag;
  }

  /** Store a resource no client can parse: listings must report it as a problem, not drop it. */
  putCorrupt(remoteId: string, reason: string): void {
    this.store(this.cal, remoteId, undefined, { corruptReason: reason });
  }

  private existing(remoteId: string): StoredItem {
    const existing = this.cal.get(remoteId);
    if (!existing) throw new CalsyncError('PROVIDER_NOT_FOUND', `item ${remoteId} not found`, { details: { remoteId } });
    return existing;
  }

  private stored(item: StoredItem): RemoteItem {
    if (!item.event) throw new CalsyncError('ICAL_PARSE', `item ${item.remoteId} cannot be read`, { details: { remoteId: item.remoteId } });
    return toRemoteItem({ ...item, event: item.event });
  }
}
