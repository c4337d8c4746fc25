/**
 * The provider conformance suite: every `CalendarProvider` (memory now; CalDAV against Radicale and
 * Xandikos, Graph against the emulator) passes the same tests, written against the interface alone.
 * Each provider's test supplies a fresh, empty, writable calendar and an `OtherClient` that edits it
 * by raw means (a plain PUT/DELETE, a direct emulator call), as the user's phone would.
 *
 * Stored copies are compared with `expectStoredAs` (stored-event.ts), which tolerates exactly the
 * rewrites servers legitimately make.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CalendarEvent, EventTime } from '../../src/model/event.js';
import type { CalendarProvider, ChangeSet, RemoteItem } from '../../src/providers/types.js';
import { floating, makeAllDayEvent, makeEvent, makeRecurringEvent, makeWeddingEvent, NEW_YORK, utc, withExtra, zoned } from '../support/events.js';
import { rejection } from './rejection.js';
import { expectStoredAs, type CompareOptions } from './stored-event.js';

/** A foreign client of the calendar under test. Its writes carry no hub id and no preconditions. */
export interface OtherClient {
  /** Creates the event as a new item; resolves to its remote id. */
  create(event: CalendarEvent): Promise<string>;
  /** Overwrites an existing item with `event`. */
  update(remoteId: string, event: CalendarEvent): Promise<void>;
  delete(remoteId: string): Promise<void>;
}

export interface ConformanceFixture {
  provider: CalendarProvider;
  /** An empty, writable calendar. */
  calendarId: string;
  otherClient: OtherClient;
  cleanup(): Promise<void>;
}

export interface ConformanceOptions extends CompareOptions {
  /** Time forms the provider can store (default all four; Graph has no floating time). */
  timeForms?: readonly EventTime['kind'][];
}

const HUB = { hubId: 'hub-0001' };

/** Applies a change set to what the client knew: the calendar's content as the client now sees it. */
function applyChanges(known: ReadonlyMap<string, RemoteItem>, changes: ChangeSet): Map<string, RemoteItem> {
  if (changes.kind === 'unchanged') return new Map(known);
  if (changes.kind === 'full') return new Map(changes.items.map((i) => [i.remoteId, i]));
  const next = new Map(known);
  for (const id of changes.removed) next.delete(id);
  for (const item of changes.changed) next.set(item.remoteId, item);
  return next;
}

async function fullListing(provider: CalendarProvider, calendarId: string): Promise<Extract<ChangeSet, { kind: 'full' }>> {
  const listing = await provider.listChanges(calendarId, null);
  if (listing.kind !== 'full') throw new Error(`first listing must be full, got ${listing.kind}`);
  return listing;
}

const TIME_SAMPLES: Record<EventTime['kind'], () => CalendarEvent> = {
  date: () => makeAllDayEvent(),
  floating: () => makeEvent({ title: 'Dress fitting', start: floating('2026-07-01T09:30:00'), end: floating('2026-07-01T10:30:00') }),
  utc: () => makeEvent({ title: 'Call with the band', start: utc('2026-07-02T17:00:00Z'), end: utc('2026-07-02T17:45:00Z') }),
  zoned: () => makeWeddingEvent('ceremony', { start: zoned('2026-08-15T14:00:00', NEW_YORK), end: zoned('2026-08-15T15:00:00', NEW_YORK) }),
};

export function providerConformance(name: string, setup: () => Promise<ConformanceFixture>, options: ConformanceOptions = {}): void {
  describe(`provider conformance: ${name}`, () => {
    let fx: ConformanceFixture;
    let provider: CalendarProvider;
    let cal: string;
    beforeEach(async () => {
      fx = await setup();
      provider = fx.provider;
      cal = fx.calendarId;
    });
    afterEach(async () => {
      await fx.cleanup();
    });

    it('lists the calendar under test as writable', async () => {
      const calendars = await provider.listCalendars();
      const mine = calendars.find((c) => c.remoteId === cal);
      expect(mine).toBeDefined();
      expect(mine?.writable).toBe(true);
    });

    it('answers the first listing with a full, complete listing and a cursor', async () => {
      const empty = await fullListing(provider, cal);
      expect(empty.items).toEqual([]);
      expect(empty.problems).toEqual([]);
      expect(empty.cursor).not.toBe('');
      const a = await provider.create(cal, makeEvent(), HUB).then((w) => w.item);
      const b = await provider.create(cal, makeAllDayEvent(), { hubId: 'hub-0002' }).then((w) => w.item);
      const listing = await fullListing(provider, cal);
      expect(listing.items.map((i) => i.remoteId).sort()).toEqual([a.remoteId, b.remoteId].sort());
      expect(listing.items.find((i) => i.remoteId === a.remoteId)).toEqual(a);
    });

    it('creates an item and returns the stored copy with an etag and the hub id', async () => {
      const sent = makeEvent();
      const created = await provider.create(cal, sent, HUB).then((w) => w.item);
      expect(created.etag).not.toBe('');
      expect(created.hubId).toBe(HUB.hubId);
      expect(created.event.uid).toBe(sent.uid);
      expectStoredAs(created.event, sent, options);
      // The copy a write returns is the server's: reading it back gives the same etag and data.
      expect(await provider.fetch(cal, [created.remoteId])).toEqual([created]);
    });

    it('refuses a second create of the same UID with PROVIDER_CONFLICT and keeps the first', async () => {
      const sent = makeEvent();
      await provider.create(cal, sent, HUB).then((w) => w.item);
      expect((await rejection(provider.create(cal, { ...sent, title: 'A duplicate' }, HUB).then((w) => w.item))).code).toBe('PROVIDER_CONFLICT');
      const listing = await fullListing(provider, cal);
      expect(listing.items.filter((i) => i.event.uid === sent.uid)).toHaveLength(1);
      expect((await provider.findByUid(cal, sent.uid))?.event.title).toBe(sent.title);
    });

    it('updates with the current etag, returning the stored copy with a new etag', async () => {
      const created = await provider.create(cal, makeEvent(), HUB).then((w) => w.item);
      const changed: CalendarEvent = { ...created.event, title: 'Moved consultation', location: 'Studio 2', sequence: created.event.sequence + 1 };
      const updated = await provider.update(cal, created.remoteId, changed, created.etag, HUB).then((w) => w.item);
      expect(updated.remoteId).toBe(created.remoteId);
      expect(updated.etag).not.toBe(created.etag);
      expect(updated.hubId).toBe(HUB.hubId);
      expectStoredAs(updated.event, changed, options);
      expect(await provider.fetch(cal, [created.remoteId])).toEqual([updated]);
    });

    it('refuses an update with a stale etag with PROVIDER_PRECONDITION_FAILED and changes nothing', async () => {
      const created = await provider.create(cal, makeEvent(), HUB).then((w) => w.item);
      const updated = await provider.update(cal, created.remoteId, { ...created.event, title: 'Second' }, created.etag, HUB).then((w) => w.item);
      expect((await rejection(provider.update(cal, created.remoteId, { ...created.event, title: 'Stale' }, created.etag, HUB).then((w) => w.item))).code).toBe('PROVIDER_PRECONDITION_FAILED');
      expect(await provider.fetch(cal, [created.remoteId])).toEqual([updated]);
    });

    it('answers an update of a missing item with PROVIDER_NOT_FOUND', async () => {
      const created = await provider.create(cal, makeEvent(), HUB).then((w) => w.item);
      await provider.delete(cal, created.remoteId, created.etag);
      expect((await rejection(provider.update(cal, created.remoteId, created.event, created.etag, HUB).then((w) => w.item))).code).toBe('PROVIDER_NOT_FOUND');
      expect(await provider.fetch(cal, [created.remoteId])).toEqual([]);
    });

    it('deletes with the current etag', async () => {
      const created = await provider.create(cal, makeEvent(), HUB).then((w) => w.item);
      await provider.delete(cal, created.remoteId, created.etag);
      expect(await provider.fetch(cal, [created.remoteId])).toEqual([]);
      expect(await provider.findByUid(cal, created.event.uid)).toBeUndefined();
      expect((await fullListing(provider, cal)).items).toEqual([]);
    });

    it('refuses a delete with a stale etag with PROVIDER_PRECONDITION_FAILED and keeps the item', async () => {
      const created = await provider.create(cal, makeEvent(), HUB).then((w) => w.item);
      const updated = await provider.update(cal, created.remoteId, { ...created.event, title: 'Changed' }, created.etag, HUB).then((w) => w.item);
      expect((await rejection(provider.delete(cal, created.remoteId, created.etag))).code).toBe('PROVIDER_PRECONDITION_FAILED');
      expect(await provider.fetch(cal, [created.remoteId])).toEqual([updated]);
    });

    it('resolves a delete of an item that is already gone', async () => {
      const created = await provider.create(cal, makeEvent(), HUB).then((w) => w.item);
      await provider.delete(cal, created.remoteId, created.etag);
      await expect(provider.delete(cal, created.remoteId, created.etag)).resolves.toBeUndefined();
      await expect(provider.delete(cal, 'never-existed.ics', '"stale"')).resolves.toBeUndefined();
    });

    it('reports foreign creates, updates and deletes in the next listing', async () => {
      const a = await provider.create(cal, makeEvent({ title: 'A' }), HUB).then((w) => w.item);
      const b = await provider.create(cal, makeEvent({ title: 'B' }), { hubId: 'hub-0002' }).then((w) => w.item);
      const first = await fullListing(provider, cal);
      const foreign = makeEvent({ title: 'Added on the phone' });
      const cId = await fx.otherClient.create(foreign);
      await fx.otherClient.update(a.remoteId, { ...a.event, title: 'A, edited on the phone' });
      await fx.otherClient.delete(b.remoteId);

      const changes = await provider.listChanges(cal, first.cursor);
      if (provider.capabilities.incremental) {
        expect(changes.kind).toBe('delta');
        if (changes.kind === 'delta') {
          expect(changes.changed.map((i) => i.remoteId).sort()).toEqual([a.remoteId, cId].sort());
          expect(changes.removed).toEqual([b.remoteId]);
          expect(changes.problems).toEqual([]);
        }
      } else {
        expect(changes.kind).toBe('full');
      }
      const seen = applyChanges(new Map(first.items.map((i) => [i.remoteId, i])), changes);
      expect([...seen.keys()].sort()).toEqual([a.remoteId, cId].sort());
      expect(seen.get(a.remoteId)?.event.title).toBe('A, edited on the phone');
      expect(seen.get(a.remoteId)?.etag).not.toBe(a.etag);
      const c = seen.get(cId);
      expect(c?.hubId).toBeUndefined();
      expectStoredAs(c?.event ?? makeEvent(), foreign, options);
    });

    it('reports our own writes in the next listing with the etag the write returned', async () => {
      const first = await fullListing(provider, cal);
      const created = await provider.create(cal, makeEvent(), HUB).then((w) => w.item);
      const seen = applyChanges(new Map(), await provider.listChanges(cal, first.cursor));
      expect(seen.get(created.remoteId)).toEqual(created);
    });

    it('answers unchanged when nothing changed, again and again', async () => {
      await provider.create(cal, makeEvent(), HUB).then((w) => w.item);
      const first = await fullListing(provider, cal);
      const second = await provider.listChanges(cal, first.cursor);
      expect(second.kind).toBe('unchanged');
      const third = await provider.listChanges(cal, second.cursor);
      expect(third.kind).toBe('unchanged');
    });

    it('lists everything when a full listing is forced, and its cursor works', async () => {
      const a = await provider.create(cal, makeEvent(), HUB).then((w) => w.item);
      const b = await provider.create(cal, makeEvent(), HUB).then((w) => w.item);
      const first = await fullListing(provider, cal);
      const forced = await provider.listChanges(cal, first.cursor, { full: true });
      expect(forced.kind).toBe('full');
      if (forced.kind === 'full') {
        expect(forced.items.map((i) => i.remoteId).sort()).toEqual([a.remoteId, b.remoteId].sort());
        expect((await provider.listChanges(cal, forced.cursor)).kind).toBe('unchanged');
      }
    });

    it('rejects a cursor it cannot honour with PROVIDER_INVALID_SYNC_TOKEN', async () => {
      expect((await rejection(provider.listChanges(cal, 'not-a-cursor-this-provider-issued'))).code).toBe('PROVIDER_INVALID_SYNC_TOKEN');
    });

    it('round-trips a recurring event with an override and an EXDATE as one item', async () => {
      const sent = makeRecurringEvent();
      const created = await provider.create(cal, sent, HUB).then((w) => w.item);
      expectStoredAs(created.event, sent, options);
      const listing = await fullListing(provider, cal);
      const items = listing.items.filter((i) => i.event.uid === sent.uid);
      expect(items).toHaveLength(1);
      expect(items[0]?.event.overrides).toHaveLength(1);
      expect(items[0]?.event.recurrence?.exdates).toHaveLength(1);
      expectStoredAs(items[0]?.event ?? sent, sent, options);
    });

    for (const form of options.timeForms ?? (['date', 'floating', 'utc', 'zoned'] as const)) {
      it(`round-trips ${form} start and end times`, async () => {
        const sent = TIME_SAMPLES[form]();
        const created = await provider.create(cal, sent, HUB).then((w) => w.item);
        expect(created.event.start.kind).toBe(form);
        expectStoredAs(created.event, sent, options);
        expectStoredAs((await provider.fetch(cal, [created.remoteId]))[0]?.event ?? makeEvent(), sent, options);
      });
    }

    it('fetches existing items and omits ids that do not exist', async () => {
      const a = await provider.create(cal, makeEvent(), HUB).then((w) => w.item);
      const b = await provider.create(cal, makeEvent(), HUB).then((w) => w.item);
      const fetched = await provider.fetch(cal, [a.remoteId, 'missing-item.ics', b.remoteId]);
      expect(fetched.map((i) => i.remoteId).sort()).toEqual([a.remoteId, b.remoteId].sort());
      expect(await provider.fetch(cal, [])).toEqual([]);
    });

    it('finds items by UID, including ones another client made, and not absent UIDs', async () => {
      const ours = await provider.create(cal, makeEvent(), HUB).then((w) => w.item);
      const foreign = makeEvent({ title: 'Made on the phone' });
      const foreignId = await fx.otherClient.create(foreign);
      expect(await provider.findByUid(cal, ours.event.uid)).toEqual(ours);
      const found = await provider.findByUid(cal, foreign.uid);
      expect(found?.remoteId).toBe(foreignId);
      expect(found?.hubId).toBeUndefined();
      expect(await provider.findByUid(cal, 'absent-uid@calsync.test')).toBeUndefined();
    });

    if (options.preservesUnmodelled !== false) {
      it('keeps unmodelled properties and components through create and update', async () => {
        const sent = withExtra(makeEvent());
        const created = await provider.create(cal, sent, HUB).then((w) => w.item);
        expectStoredAs(created.event, sent, options);
        const changed = { ...created.event, title: 'Edited title' };
        const updated = await provider.update(cal, created.remoteId, changed, created.etag, HUB).then((w) => w.item);
        expectStoredAs(updated.event, { ...sent, title: 'Edited title' }, options);
      });
    }

    it('says a write nobody else raced is ours, and returns the copy a read gives', async () => {
      const created = await provider.create(cal, makeEvent(), HUB);
      expect(created.ours).toBe(true);
      expect(typeof created.writtenEtag).toBe('string');
      expect(await provider.fetch(cal, [created.item.remoteId])).toEqual([created.item]);
      const updated = await provider.update(cal, created.item.remoteId, { ...created.item.event, location: 'Orangery' }, created.item.etag, HUB);
      expect(updated.ours).toBe(true);
      expect(updated.item.event.location).toBe('Orangery');
      // A server that answers writes with an ETag answers each write with a new one.
      if (created.writtenEtag !== '') expect(updated.writtenEtag).not.toBe(created.writtenEtag);
      expect(await provider.fetch(cal, [created.item.remoteId])).toEqual([updated.item]);
    });

    it('says a write of a recurring event with an override and an EXDATE is ours', async () => {
      const created = await provider.create(cal, makeRecurringEvent(), HUB);
      expect(created.ours).toBe(true);
      const moved = { ...created.item.event, title: 'Weekly call, new link', location: 'Video' };
      const updated = await provider.update(cal, created.item.remoteId, moved, created.item.etag, HUB);
      expect(updated.ours).toBe(true);
      expect(updated.item.event.location).toBe('Video');
      expect(await provider.fetch(cal, [created.item.remoteId])).toEqual([updated.item]);
    });

    it('counts requests in stats', async () => {
      const before = provider.stats.requests;
      await provider.listCalendars();
      await provider.listChanges(cal, null);
      expect(provider.stats.requests).toBeGreaterThanOrEqual(before + 2);
    });
  });
}
