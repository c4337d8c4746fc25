/**
 * One calendar collection held by the memory server: its items by remote id, a UID index (so
 * match-by-UID and the create conflict check are O(1)), and the change log behind its cursors.
 */
import type { CalendarEvent } from '../../model/event.js';
import type { RemoteCalendar } from '../types.js';
import { ChangeLog } from './change-log.js';

/** An item as the server holds it. */
export interface StoredItem {
  remoteId: string;
  etag: string;
  /** Absent for a resource the server holds but that cannot be parsed (see `corruptReason`). */
  event?: CalendarEvent;
  hubId?: string;
  /** Why the resource cannot be read as an event (a foreign client wrote garbage). */
  corruptReason?: string;
}

/** What a store call carries besides the event. */
export interface StoreExtra {
  hubId?: string;
  corruptReason?: string;
  /** Store the event exactly as given, without the server's rewrite (an etag-only change). */
  verbatim?: boolean;
}

export class MemoryCalendar {
  private readonly items = new Map<string, StoredItem>();
  private readonly byUid = new Map<string, Set<string>>();
  readonly log: ChangeLog;
  /** States named by content-hash cursors (`content-cursor.ts`), by hash. */
  readonly contentStates = new Map<string, Map<string, string>>();

  constructor(
    readonly account: string,
    readonly info: RemoteCalendar,
    /** Changes when every outstanding cursor is invalidated. */
    public epoch: string,
    maxLogEntries: number,
  ) {
    this.log = new ChangeLog(maxLogEntries);
  }

  get(remoteId: string): StoredItem | undefined {
    return this.items.get(remoteId);
  }

  all(): IterableIterator<StoredItem> {
    return this.items.values();
  }

  /** The item with this UID; with duplicates (only foreign clients can make them) the lowest remote id. */
  findUid(uid: string): StoredItem | undefined {
    const ids = this.byUid.get(uid);
    if (!ids || ids.size === 0) return undefined;
    const first = [...ids].sort()[0];
    return first === undefined ? undefined : this.items.get(first);
  }

  put(item: StoredItem): void {
    this.unindex(this.items.get(item.remoteId));
    this.items.set(item.remoteId, item);
    if (item.event) {
      const ids = this.byUid.get(item.event.uid) ?? new Set<string>();
      ids.add(item.remoteId);
      this.byUid.set(item.event.uid, ids);
    }
    this.log.record(item.remoteId);
  }

  remove(remoteId: string): boolean {
    const existing = this.items.get(remoteId);
    if (!existing) return false;
    this.unindex(existing);
    this.items.delete(remoteId);
    this.log.record(remoteId);
    return true;
  }

  private unindex(item: StoredItem | undefined): void {
    if (!item?.event) return;
    const ids = this.byUid.get(item.event.uid);
    ids?.delete(item.remoteId);
    if (ids?.size === 0) this.byUid.delete(item.event.uid);
  }
}
