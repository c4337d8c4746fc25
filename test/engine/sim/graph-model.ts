/**
 * A Graph-like calendar (Outlook) with the behaviour that matters to the engine:
 * - ids are the server's (not derived from the UID); a POST carries a `transactionId` and a POST
 *   repeated with the same one returns the event it created instead of a second event;
 * - every write gives the event a new changeKey, even when nothing changed;
 * - a cancelled occurrence of a series stays cancelled: a write that leaves an EXDATE out cannot
 *   bring the occurrence back (finding 2's shape);
 * - delta tokens name a point of the calendar's change log and never return to an earlier value;
 *   a delta returns the current version of every event changed since, and `@removed` ids.
 */
import { createHash } from 'node:crypto';
import { CalsyncError } from '../../../src/errors.js';
import type { CalendarEvent, EventTime } from '../../../src/model/event.js';
import { hashEvent } from '../../../src/model/hash.js';
import { toInstantMs } from '../../../src/model/time.js';
import type { ChangeSet } from '../../../src/providers/types.js';
import { ModelCalendar, toRemote, type Stored, type Written } from './model-calendar.js';

/** As `transactionIdFor` in the Graph provider: the same create, retried, has the same key. */
export function transactionId(calendarId: string, event: CalendarEvent): string {
  return `calsync-${createHash('sha256').update(`${calendarId}\n${event.uid}\n${hashEvent(event)}`).digest('hex').slice(0, 32)}`;
}

export class GraphModel extends ModelCalendar {
  static readonly ID = 'AAMkCalendar';
  readonly name = 'graph' as const;
  readonly remoteCalendarId = GraphModel.ID;
  private seq = 0;
  private ids = 0;
  private changeKeys = 0;
  /** The change log: which event changed at which seq. */
  private readonly log: { seq: number; remoteId: string }[] = [];
  /** Occurrences Outlook cancelled, per event: they never come back. */
  private readonly cancelled = new Map<string, EventTime[]>();
  private readonly transactions = new Map<string, string>();

  listChanges(cursor: string | null, full: boolean): ChangeSet {
    const token = `delta-${this.seq}`;
    if (cursor === null || full) return { kind: 'full', items: [...this.items.values()].map(toRemote), cursor: token, problems: [] };
    const match = /^delta-(\d+)$/.exec(cursor);
    const since = match ? Number(match[1]) : Number.NaN;
    if (!Number.isInteger(since) || since > this.seq) throw new CalsyncError('PROVIDER_INVALID_SYNC_TOKEN', `delta token ${cursor} is not valid`, { details: { cursor } });
    const ids = [...new Set(this.log.filter((e) => e.seq > since).map((e) => e.remoteId))];
    const changed = ids.flatMap((id) => {
      const s = this.items.get(id);
      return s ? [toRemote(s)] : [];
    });
    return { kind: 'delta', changed, removed: ids.filter((id) => !this.items.has(id)), cursor: token, problems: [] };
  }

  /** POST with a transactionId; the caller (the provider) has looked for the UID first. */
  create(event: CalendarEvent, hubId: string): Written {
    const key = transactionId(this.remoteCalendarId, event);
    const earlier = this.transactions.get(key);
    const existing = earlier === undefined ? undefined : this.items.get(earlier);
    if (existing) return { item: toRemote(existing), writtenEtag: existing.etag };
    this.ids += 1;
    const remoteId = `AAMkEvent${this.ids}`;
    this.transactions.set(key, remoteId);
    const stored = this.put(remoteId, event, hubId);
    this.countWrite(remoteId);
    return { item: toRemote(stored), writtenEtag: stored.etag };
  }

  thirdPartyCreate(event: CalendarEvent): void {
    this.ids += 1;
    this.put(`AAMkEvent${this.ids}`, event, undefined);
  }

  /** Outlook's user cancels one occurrence of a series. */
  cancelOccurrence(remoteId: string, occurrence: EventTime): void {
    const existing = this.items.get(remoteId);
    if (!existing?.event.recurrence) return;
    const recurrence = { ...existing.event.recurrence, exdates: [...existing.event.recurrence.exdates, occurrence] };
    this.put(remoteId, { ...existing.event, recurrence }, existing.hubId);
  }

  protected put(remoteId: string, event: CalendarEvent, hubId: string | undefined): Stored {
    const copy = structuredClone(event);
    if (copy.recurrence) {
      // What was cancelled stays cancelled, whatever the write says.
      const gone = [...(this.cancelled.get(remoteId) ?? [])];
      for (const d of copy.recurrence.exdates) if (!gone.some((g) => toInstantMs(g) === toInstantMs(d))) gone.push(d);
      gone.sort((a, b) => toInstantMs(a) - toInstantMs(b));
      this.cancelled.set(remoteId, gone);
      copy.recurrence = { ...copy.recurrence, exdates: structuredClone(gone) };
    }
    this.changeKeys += 1;
    const stored: Stored = { remoteId, etag: `W/"ck-${this.changeKeys}"`, event: copy, ...(hubId === undefined ? {} : { hubId }) };
    this.items.set(remoteId, stored);
    this.logChange(remoteId);
    return stored;
  }

  protected drop(remoteId: string): void {
    if (this.items.delete(remoteId)) this.logChange(remoteId);
  }

  private logChange(remoteId: string): void {
    this.seq += 1;
    this.log.push({ seq: this.seq, remoteId });
  }
}
