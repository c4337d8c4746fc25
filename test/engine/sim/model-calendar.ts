/**
 * What the two provider models share: one calendar of items, the server-side operations a request
 * performs (synchronous — the scheduling points are around them, in `sim-provider.ts`), the
 * third party's writes, and a log of the engine's writes per item (the loop check counts them).
 */
import { CalsyncError } from '../../../src/errors.js';
import type { CalendarEvent } from '../../../src/model/event.js';
import type { ChangeSet, RemoteItem } from '../../../src/providers/types.js';
import type { CalName } from './schedule.js';

export interface Stored {
  remoteId: string;
  etag: string;
  event: CalendarEvent;
  hubId?: string;
}

export interface Written {
  item: RemoteItem;
  /** The etag / changeKey the write's response carried. */
  writtenEtag: string;
}

export function toRemote(s: Stored): RemoteItem {
  return structuredClone({ remoteId: s.remoteId, etag: s.etag, event: s.event, ...(s.hubId === undefined ? {} : { hubId: s.hubId }) });
}

export abstract class ModelCalendar {
  abstract readonly name: CalName;
  /** The calendar's id as the provider sees it. */
  abstract readonly remoteCalendarId: string;
  protected readonly items = new Map<string, Stored>();
  /** Writes (create, update, delete) the engine made, per item: the loop check reads and resets it. */
  readonly engineWrites = new Map<string, number>();

  /** The changes since `cursor` (null or `full`: everything). */
  abstract listChanges(cursor: string | null, full: boolean): ChangeSet;
  /** The engine's create; the remote id is the model's to choose. */
  abstract create(event: CalendarEvent, hubId: string): Written;
  /** Stores `event` under `remoteId` as a new version (engine or third party). */
  protected abstract put(remoteId: string, event: CalendarEvent, hubId: string | undefined): Stored;
  /** Removes an item (engine or third party). */
  protected abstract drop(remoteId: string): void;

  read(remoteIds: readonly string[]): RemoteItem[] {
    return remoteIds.flatMap((id) => {
      const s = this.items.get(id);
      return s ? [toRemote(s)] : [];
    });
  }

  findUid(uid: string): RemoteItem | undefined {
    const s = [...this.items.values()].find((i) => i.event.uid === uid);
    return s && toRemote(s);
  }

  /** If-Match update. */
  update(remoteId: string, event: CalendarEvent, etag: string, hubId: string): Written {
    const existing = this.checkMatch(remoteId, etag);
    if (existing.event.uid !== event.uid) throw new CalsyncError('PROVIDER_REJECTED', `an update may not change the UID of ${remoteId}`);
    const stored = this.put(remoteId, event, hubId);
    this.countWrite(remoteId);
    return { item: toRemote(stored), writtenEtag: stored.etag };
  }

  /** If-Match delete; an item already gone is success. */
  remove(remoteId: string, etag: string): void {
    if (!this.items.has(remoteId)) return;
    this.checkMatch(remoteId, etag);
    this.drop(remoteId);
    this.countWrite(remoteId);
  }

  /** Every item, sorted by UID (what a user of this calendar sees). */
  list(): RemoteItem[] {
    return [...this.items.values()].map(toRemote).sort((a, b) => (a.event.uid < b.event.uid ? -1 : a.event.uid > b.event.uid ? 1 : 0));
  }

  // The third party: the user's phone / Outlook, writing without preconditions, whole items.
  thirdPartyWrite(remoteId: string, event: CalendarEvent): void {
    const existing = this.items.get(remoteId);
    this.put(remoteId, event, existing?.hubId);
  }

  thirdPartyDelete(remoteId: string): void {
    this.drop(remoteId);
  }

  abstract thirdPartyCreate(event: CalendarEvent): void;

  protected countWrite(remoteId: string): void {
    this.engineWrites.set(remoteId, (this.engineWrites.get(remoteId) ?? 0) + 1);
  }

  private checkMatch(remoteId: string, etag: string): Stored {
    const existing = this.items.get(remoteId);
    if (!existing) throw new CalsyncError('PROVIDER_NOT_FOUND', `item ${remoteId} not found`, { details: { remoteId } });
    if (existing.etag !== etag) {
      throw new CalsyncError('PROVIDER_PRECONDITION_FAILED', `item ${remoteId} changed since etag ${etag}`, { details: { remoteId, expected: etag, current: existing.etag } });
    }
    return existing;
  }
}
