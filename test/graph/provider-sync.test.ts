/** GraphProvider against the emulator: delta, series, cancellations, stale etags, expired tokens. */
import { afterEach, describe, expect, it } from 'vitest';
import type { CalendarEvent } from '../../src/model/event.js';
import { ManualClock } from '../../src/util/clock.js';
import type { ChangeSet, RemoteItem } from '../../src/providers/types.js';
import { makeAllDayEvent, makeEvent, makeRecurringEvent, makeWeddingEvent, withExtra, zoned } from '../support/events.js';
import { rejection } from '../providers/rejection.js';
import type { GraphFixture } from './support/emulator-fixture.js';
import { graphFixture } from './support/emulator-fixture.js';

const HUB = { hubId: 'hub-1' };

function asDelta(changes: ChangeSet): Extract<ChangeSet, { kind: 'delta' }> {
  if (changes.kind !== 'delta') throw new Error(`expected a delta, got ${changes.kind}`);
  return changes;
}

async function firstCursor(fx: GraphFixture): Promise<string> {
  const listing = await fx.provider.listChanges(fx.calendarId, null);
  return listing.cursor;
}

/** Instances of a series as the emulator lists them (for a foreign client's edits). */
interface Instance {
  id: string;
  originalStart: string;
  type: string;
  start: { dateTime: string };
}

async function instancesOf(fx: GraphFixture, masterId: string): Promise<Instance[]> {
  const body = (await fx.act('GET', `/events/${masterId}/instances?startDateTime=2026-05-01T00:00:00Z&endDateTime=2026-12-31T00:00:00Z&$top=100`)) as { value: Instance[] };
  return body.value;
}

describe('GraphProvider (emulator)', () => {
  let fx: GraphFixture;
  afterEach(async () => {
    await fx.cleanup();
  });

  it('turns an occurrence deleted in Outlook into an update of the series with an EXDATE, never a delete', async () => {
    fx = await graphFixture();
    const series = await fx.provider.create(fx.calendarId, makeRecurringEvent(), HUB).then((w) => w.item);
    const single = await fx.provider.create(fx.calendarId, makeEvent(), { hubId: 'hub-2' }).then((w) => w.item);
    const cursor = await firstCursor(fx);
    const occurrence = (await instancesOf(fx, series.remoteId)).find((i) => i.originalStart.startsWith('2026-07-07'));
    expect(occurrence).toBeDefined();
    await fx.act('DELETE', `/events/${occurrence?.id}`);

    const delta = asDelta(await fx.provider.listChanges(fx.calendarId, cursor));
    expect(delta.changed.map((i) => i.remoteId)).toEqual([series.remoteId]);
    expect(delta.removed).not.toContain(series.remoteId);
    expect(delta.removed).not.toContain(single.remoteId);
    const changed = delta.changed[0] as RemoteItem;
    expect(changed.etag).not.toBe(series.etag);
    expect(changed.event.recurrence?.exdates.map((t) => (t.kind === 'zoned' ? t.local : ''))).toEqual(['2026-06-30T18:00:00', '2026-07-07T18:00:00']);
    expect(changed.event.overrides).toHaveLength(1);
    expect((await fx.provider.listChanges(fx.calendarId, delta.cursor)).kind).toBe('unchanged');
  });

  it('sees the first occurrence of a series cancelled in Outlook', async () => {
    fx = await graphFixture();
    const series = await fx.provider.create(fx.calendarId, makeRecurringEvent(), HUB).then((w) => w.item);
    const first = (await instancesOf(fx, series.remoteId))[0];
    expect(first?.originalStart).toBe('2026-06-02T17:00:00Z');
    await fx.act('DELETE', `/events/${first?.id}`);
    const [item] = await fx.provider.fetch(fx.calendarId, [series.remoteId]);
    expect(item?.event.recurrence?.exdates.map((t) => (t.kind === 'zoned' ? t.local : ''))).toEqual(['2026-06-02T18:00:00', '2026-06-30T18:00:00']);
  });

  it('sees an exception edited in Outlook as a change of the series etag, and refuses the stale etag', async () => {
    fx = await graphFixture();
    const series = await fx.provider.create(fx.calendarId, makeRecurringEvent(), HUB).then((w) => w.item);
    const cursor = await firstCursor(fx);
    const occurrence = (await instancesOf(fx, series.remoteId)).find((i) => i.originalStart.startsWith('2026-06-23'));
    await fx.act('PATCH', `/events/${occurrence?.id}`, { subject: 'Call moved to the venue', location: { displayName: 'The venue' } });

    const delta = asDelta(await fx.provider.listChanges(fx.calendarId, cursor));
    const changed = delta.changed.find((i) => i.remoteId === series.remoteId);
    expect(changed?.etag).not.toBe(series.etag);
    const override = changed?.event.overrides.find((o) => o.recurrenceId.kind === 'zoned' && o.recurrenceId.local === '2026-06-23T18:00:00');
    expect(override).toMatchObject({ title: 'Call moved to the venue', location: 'The venue' });
    // Outlook's change kept what Outlook cannot hold.
    expect(changed?.event.wedding).toEqual(series.event.wedding);
    expect(changed?.event.recurrence?.rrules).toEqual(series.event.recurrence?.rrules);

    const stale = await rejection(fx.provider.update(fx.calendarId, series.remoteId, { ...series.event, title: 'Renamed' }, series.etag, HUB).then((w) => w.item));
    expect(stale.code).toBe('PROVIDER_PRECONDITION_FAILED');
    const updated = await fx.provider.update(fx.calendarId, series.remoteId, { ...(changed as RemoteItem).event, title: 'Renamed' }, (changed as RemoteItem).etag, HUB).then((w) => w.item);
    expect(updated.event.title).toBe('Renamed');
    expect(updated.event.overrides.map((o) => o.title).sort()).toEqual(['Call moved to the venue', 'Weekly call with the couple']);
  });

  it('writes override and EXDATE changes of an update to the occurrences, and reverts a dropped override', async () => {
    fx = await graphFixture();
    const created = await fx.provider.create(fx.calendarId, makeRecurringEvent(), HUB).then((w) => w.item);
    const event: CalendarEvent = {
      ...created.event,
      overrides: [{ ...(created.event.overrides[0] as CalendarEvent['overrides'][number]), recurrenceId: zoned('2026-07-14T18:00:00'), start: zoned('2026-07-14T20:00:00'), end: zoned('2026-07-14T20:30:00') }],
      recurrence: { rrules: ['FREQ=WEEKLY;COUNT=10;BYDAY=TU'], rdates: [], exdates: [zoned('2026-06-30T18:00:00'), zoned('2026-07-21T18:00:00')] },
    };
    const updated = await fx.provider.update(fx.calendarId, created.remoteId, event, created.etag, HUB).then((w) => w.item);
    const instances = await instancesOf(fx, created.remoteId);
    const startOf = (originalStart: string): string | undefined => instances.find((i) => i.originalStart === originalStart)?.start.dateTime.slice(0, 19);
    expect(startOf('2026-07-14T17:00:00Z')).toBe('2026-07-14T19:00:00');
    // The dropped override was patched back to the series' own time (Outlook keeps it an exception).
    expect(startOf('2026-06-16T17:00:00Z')).toBe('2026-06-16T17:00:00');
    expect(instances.map((i) => i.originalStart)).not.toContain('2026-07-21T17:00:00Z');
    expect(updated.event.overrides.map((o) => o.recurrenceId)).toEqual([zoned('2026-07-14T18:00:00')]);
    expect(updated.event.recurrence?.exdates).toHaveLength(2);
    expect(await fx.provider.fetch(fx.calendarId, [created.remoteId])).toEqual([updated]);
  });

  it('carries wedding fields and iCalendar-only data through our writes, and through an Outlook edit', async () => {
    fx = await graphFixture();
    const sent = withExtra(makeWeddingEvent('ceremony'));
    const created = await fx.provider.create(fx.calendarId, sent, HUB).then((w) => w.item);
    expect(created.event.wedding).toEqual(sent.wedding);
    expect(created.event.extra).toEqual(sent.extra);
    const cursor = await firstCursor(fx);
    await fx.otherClient.update(created.remoteId, { ...created.event, title: 'Wedding ceremony (garden)', attendees: [] });
    const changed = asDelta(await fx.provider.listChanges(fx.calendarId, cursor)).changed[0];
    expect(changed?.event.title).toBe('Wedding ceremony (garden)');
    expect(changed?.event.attendees).toEqual([]);
    expect(changed?.event.wedding).toEqual(sent.wedding);
    expect(changed?.event.extra?.properties).toEqual(sent.extra?.properties);
    expect(changed?.event.organizer).toEqual(sent.organizer);
    expect(changed?.hubId).toBe(HUB.hubId);
  });

  it.each([
    ['all-day', makeAllDayEvent({ start: { kind: 'date', date: '2026-06-01' }, end: { kind: 'date', date: '2026-06-02' } }), '2026-06-08', '2026-06-15'],
    ['all-day (first occurrence cancelled)', makeAllDayEvent({ start: { kind: 'date', date: '2026-06-01' }, end: { kind: 'date', date: '2026-06-02' } }), '2026-06-01', '2026-06-15'],
    ['UTC', makeEvent({ start: { kind: 'utc', utc: '2026-06-01T09:00:00Z' }, end: { kind: 'utc', utc: '2026-06-01T10:00:00Z' } }), '2026-06-08', '2026-06-15'],
  ] as const)('maps an %s series edited only in Outlook: exceptions and cancellations', async (_name, base, cancelDate, moveDate) => {
    fx = await graphFixture();
    const sent: CalendarEvent = { ...base, recurrence: { rrules: ['FREQ=WEEKLY;COUNT=6'], rdates: [], exdates: [] } };
    const id = await fx.otherClient.create(sent);
    const instances = await instancesOf(fx, id);
    const cancel = instances.find((i) => i.start.dateTime.startsWith(cancelDate));
    const move = instances.find((i) => i.start.dateTime.startsWith(moveDate));
    await fx.act('DELETE', `/events/${cancel?.id}`);
    await fx.act('PATCH', `/events/${move?.id}`, { subject: 'Moved in Outlook' });
    const [item] = await fx.provider.fetch(fx.calendarId, [id]);
    const dateOfTime = (t: { kind: string; date?: string; utc?: string } | undefined): string => (t?.kind === 'date' ? (t.date ?? '') : (t?.utc ?? '').slice(0, 10));
    expect(item?.event.recurrence?.rrules).toEqual(['FREQ=WEEKLY;COUNT=6']);
    expect(item?.event.recurrence?.exdates.map(dateOfTime)).toEqual([cancelDate]);
    expect(item?.event.overrides.map((o) => [dateOfTime(o.recurrenceId), o.title])).toEqual([[moveDate, 'Moved in Outlook']]);
    expect(item?.event.recurrence?.exdates[0]?.kind).toBe(sent.start.kind);
    expect(item?.etag).toContain('~');
  });

  it('keeps EXDATEs Outlook cannot hold (not on the pattern) intact, so they never cause endless updates', async () => {
    fx = await graphFixture();
    const base = makeRecurringEvent();
    const junk = zoned('2026-06-24T18:00:00'); // a Wednesday: no occurrence of a Tuesday series
    const sent: CalendarEvent = { ...base, recurrence: { ...(base.recurrence as NonNullable<CalendarEvent['recurrence']>), exdates: [zoned('2026-06-30T18:00:00'), junk] } };
    const created = await fx.provider.create(fx.calendarId, sent, HUB).then((w) => w.item);
    expect(created.event.recurrence?.exdates).toEqual(sent.recurrence?.exdates);
    const cursor = await firstCursor(fx);
    await fx.otherClient.update(created.remoteId, { ...created.event, title: 'Weekly call (renamed in Outlook)' });
    const changed = asDelta(await fx.provider.listChanges(fx.calendarId, cursor)).changed[0];
    expect(changed?.event.title).toBe('Weekly call (renamed in Outlook)');
    // The phone re-sent the pattern, so Outlook brought the cancelled 30 June back (as Outlook does);
    // the EXDATE Outlook never had is still there.
    expect(changed?.event.recurrence?.exdates.map((t) => (t.kind === 'zoned' ? t.local : ''))).toEqual(['2026-06-24T18:00:00']);
  });

  it('refuses a rule Outlook cannot express before writing anything', async () => {
    fx = await graphFixture();
    const event = makeRecurringEvent({ recurrence: { rrules: ['FREQ=MONTHLY;BYDAY=1MO,3MO'], rdates: [], exdates: [] } });
    const err = await rejection(fx.provider.create(fx.calendarId, event, HUB).then((w) => w.item));
    expect(err.code).toBe('PROVIDER_REJECTED');
    expect(err.details).toMatchObject({ reason: 'unsupportedRecurrence', uid: event.uid });
    expect(fx.provider.capabilities.supportsRecurrence('FREQ=MONTHLY;BYDAY=1MO,3MO')).toBe(false);
    expect((await fx.provider.listChanges(fx.calendarId, null)).kind === 'full' && (await fx.provider.listChanges(fx.calendarId, null))).toMatchObject({ items: [] });
  });

  it('answers an expired delta token with PROVIDER_INVALID_SYNC_TOKEN; the full resync loses nothing', async () => {
    fx = await graphFixture();
    const a = await fx.provider.create(fx.calendarId, makeEvent(), HUB).then((w) => w.item);
    const cursor = await firstCursor(fx);
    const b = await fx.provider.create(fx.calendarId, makeAllDayEvent(), HUB).then((w) => w.item);
    const series = await fx.provider.create(fx.calendarId, makeRecurringEvent(), HUB).then((w) => w.item);
    fx.emu.admin.expireDeltaTokens();
    expect((await rejection(fx.provider.listChanges(fx.calendarId, cursor))).code).toBe('PROVIDER_INVALID_SYNC_TOKEN');
    const full = await fx.provider.listChanges(fx.calendarId, cursor, { full: true });
    expect(full.kind).toBe('full');
    if (full.kind !== 'full') return;
    expect(full.items.map((i) => i.remoteId).sort()).toEqual([a.remoteId, b.remoteId, series.remoteId].sort());
    expect(full.items.find((i) => i.remoteId === series.remoteId)).toEqual(series);
    expect((await fx.provider.listChanges(fx.calendarId, full.cursor)).kind).toBe('unchanged');
  });

  it('converges when delta repeats items, and reports an event moved out of the window as changed, not removed', async () => {
    fx = await graphFixture();
    const a = await fx.provider.create(fx.calendarId, makeEvent(), HUB).then((w) => w.item);
    const cursor = await firstCursor(fx);
    fx.emu.admin.duplicateDeltaItems(2);
    await fx.otherClient.update(a.remoteId, { ...a.event, start: zoned('2031-06-20T15:00:00'), end: zoned('2031-06-20T16:00:00') });
    const delta = asDelta(await fx.provider.listChanges(fx.calendarId, cursor));
    expect(delta.removed).toEqual([]);
    expect(delta.changed.map((i) => i.remoteId)).toEqual([a.remoteId]);
    expect(delta.changed[0]?.event.start).toMatchObject({ local: '2031-06-20T15:00:00' });
  });

  it('never returns a partial full listing', async () => {
    fx = await graphFixture();
    await fx.provider.create(fx.calendarId, makeEvent(), HUB).then((w) => w.item);
    // The delta token is taken, then listing the events fails.
    fx.emu.admin.addFault({ rule: { kind: 'error', status: 500, code: 'InternalServerError' }, pathPrefix: `/me/calendars/${fx.calendarId}/events`, method: 'GET' });
    const err = await rejection(fx.provider.listChanges(fx.calendarId, null));
    expect(err.code).toBe('PROVIDER_LISTING_FAILED');
    expect(err.retryable).toBe(true);
  });

  it('lists events outside the sync window in a full listing, and renews a cursor whose window lags', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 20));
    fx = await graphFixture({ provider: { clock, pastDays: 30, futureDays: 60, windowRefreshDays: 7 } });
    const old = await fx.provider.create(fx.calendarId, makeEvent({ start: zoned('2025-01-10T10:00:00'), end: zoned('2025-01-10T11:00:00') }), HUB).then((w) => w.item);
    const listing = await fx.provider.listChanges(fx.calendarId, null);
    expect(listing.kind === 'full' && listing.items.map((i) => i.remoteId)).toEqual([old.remoteId]);
    expect((await fx.provider.listChanges(fx.calendarId, listing.cursor)).kind).toBe('unchanged');
    clock.advance(8 * 86_400_000);
    const err = await rejection(fx.provider.listChanges(fx.calendarId, listing.cursor));
    expect(err).toMatchObject({ code: 'PROVIDER_INVALID_SYNC_TOKEN', details: { reason: 'windowMoved' } });
  });

  it('finds a foreign event by its iCalUId when it has no UID property', async () => {
    fx = await graphFixture();
    const body = (await fx.act('POST', `/calendars/${fx.calendarId}/events`, {
      subject: 'Booked on the phone',
      start: { dateTime: '2026-06-25T10:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-06-25T11:00:00', timeZone: 'UTC' },
    })) as { id: string; iCalUId: string };
    const found = await fx.provider.findByUid(fx.calendarId, body.iCalUId);
    expect(found?.remoteId).toBe(body.id);
    expect(found?.event).toMatchObject({ uid: body.iCalUId, title: 'Booked on the phone', start: { kind: 'utc', utc: '2026-06-25T10:00:00Z' } });
    expect(await fx.provider.findByUid(fx.calendarId, "it's-absent")).toBeUndefined();
  });
});
