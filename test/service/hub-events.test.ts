import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHubEvent, deleteHubEvent, parseHubEventInput, updateHubEvent } from '../../src/service/hub-events.js';
import { drainOutbox } from '../../src/service/outbox/drainer.js';
import { makeEvent, zoned } from '../support/events.js';
import { makeService, RecordingQueue, type ServiceHarness } from './harness.js';

let h: ServiceHarness;
beforeEach(async () => {
  h = await makeService();
});
afterEach(async () => {
  await h.close();
});

const deps = () => ({ store: h.store, clock: h.clock });
/** The writes' outbox records turned into jobs on `queue`. */
const drain = (queue: RecordingQueue) => drainOutbox({ store: h.store, clock: h.clock, queue }, h.tenantId);

describe('validation', () => {
  const refused = async (raw: unknown, message: string | RegExp): Promise<void> => {
    await expect(createHubEvent(deps(), h.tenantId, raw, 'api')).rejects.toMatchObject({ name: 'ValidationError', code: 'VALIDATION', message: expect.stringMatching(message) });
  };

  it('refuses an empty title, missing or malformed times and days that do not exist', async () => {
    await refused({ title: '', start: '2027-01-01' }, /^title: /);
    await refused({ title: 'x' }, /^start: /);
    await refused({ title: 'x', start: 'tomorrow' }, /^start: start must be YYYY-MM-DD/);
    await refused({ title: 'x', start: '2027-02-30' }, /^start: .*a date that exists/);
    await refused({ title: 'x', start: '2027-01-01T25:00' }, /^start: /);
    await refused({ title: 'x', start: '2027-13-01T10:00:00Z' }, /^start: /);
    await refused({ title: 'x', start: '2027-01-01', end: '2027-01-01T99:00' }, /^end: /);
    await refused({ title: 'x', start: '2027-01-01', weddingDate: '01/06/2027' }, /^weddingDate: weddingDate must be YYYY-MM-DD/);
    await refused({ title: 'x', start: '2027-01-01', kind: 'party' }, /^kind: /);
    await refused('not an object', /^event: /);
    expect(() => parseHubEventInput({ title: 'x', start: '2027-01-01', categories: 'Wedding' })).toThrow(/^categories: /);
  });

  it('refuses an unknown time zone, mixed forms and an end before the start', async () => {
    await refused({ title: 'x', start: '2027-01-01T10:00', timeZone: 'Mars/Olympus' }, 'unknown time zone "Mars/Olympus" for start');
    await refused({ title: 'x', start: '2027-01-01', end: '2027-01-01T10:00' }, 'start and end must both be dates or both be times');
    await refused({ title: 'x', start: '2027-01-01T10:00', end: '2027-01-01T09:59', timeZone: 'Europe/London' }, /^end must be after start/);
    await refused({ title: 'x', start: '2027-01-02', end: '2027-01-02' }, /^end must be after start/);
    await refused({ title: 'x', start: '2027-01-01T10:00:00Z', end: '2027-01-01T09:00:00Z' }, /^end must be after start/);
    // A zero-length reminder is fine.
    await expect(createHubEvent(deps(), h.tenantId, { title: 'x', start: '2027-01-01T10:00:00Z', end: '2027-01-01T10:00:00Z' }, 'api')).resolves.toBeDefined();
    expect(await h.store.events.list(h.tenantId)).toHaveLength(1);
  });
});

describe('createHubEvent', () => {
  it('parses the three time forms and Windows zone names', async () => {
    const allDay = await createHubEvent(deps(), h.tenantId, { title: 'Venue hold', start: '2027-06-11', end: '2027-06-13' }, 'api');
    expect(allDay.event).toMatchObject({ start: { kind: 'date', date: '2027-06-11' }, end: { kind: 'date', date: '2027-06-13' } });
    const floating = await createHubEvent(deps(), h.tenantId, { title: 'Call', start: '2027-06-11T09:30' }, 'api');
    expect(floating.event.start).toEqual({ kind: 'floating', local: '2027-06-11T09:30:00' });
    expect(floating.event.end).toBeUndefined();
    const utc = await createHubEvent(deps(), h.tenantId, { title: 'Call', start: '2027-06-11T09:30:00.000Z' }, 'api');
    expect(utc.event.start).toEqual({ kind: 'utc', utc: '2027-06-11T09:30:00Z' });
    const windows = await createHubEvent(deps(), h.tenantId, { title: 'Call', start: '2027-06-11T09:30', timeZone: 'GMT Standard Time' }, 'api');
    expect(windows.event.start).toMatchObject({ kind: 'zoned', local: '2027-06-11T09:30:00', iana: 'Europe/London' });
  });

  it('classifies the kind from the title unless WedSync sets it, and keeps the wedding fields', async () => {
    const inferred = await createHubEvent(deps(), h.tenantId, { title: 'Wedding ceremony at St Mary', start: '2027-06-12T14:00', timeZone: 'Europe/London' }, 'api');
    expect(inferred.event.wedding).toMatchObject({ kind: 'ceremony', kindSource: 'inferred' });
    const set = await createHubEvent(deps(), h.tenantId, { title: 'Something', start: '2027-06-12', kind: 'reception', weddingId: 'w1', weddingDate: '2027-06-12', emergency: true, categories: ['Wedding'], description: 'd', location: 'l' }, 'wedsync');
    expect(set.event).toMatchObject({ categories: ['Wedding'], description: 'd', location: 'l', sequence: 0, wedding: { kind: 'reception', kindSource: 'wedsync', weddingId: 'w1', weddingDate: '2027-06-12', emergency: true } });
    expect(set.event.uid).toMatch(/@calsync$/);
  });

  it('enqueues a push to every enabled calendar with the urgency of the event', async () => {
    const { calendars: [a, b] } = await h.addIntegration('outlook', 2);
    const queue = new RecordingQueue();
    await createHubEvent(deps(), h.tenantId, { title: 'Reception', start: '2027-06-12T18:00', kind: 'reception' }, 'api');
    await drain(queue);
    expect(queue.syncs().map((s) => [s.calendarId, s.priority]).sort()).toEqual([[a!.id, 'high'], [b!.id, 'high']].sort());
  });
});

describe('updateHubEvent and deleteHubEvent', () => {
  it('overlays a partial update, bumps the sequence and keeps what was not given', async () => {
    const created = await createHubEvent(deps(), h.tenantId, { title: 'Tasting', start: '2027-05-01T18:00', end: '2027-05-01T19:00', timeZone: 'Europe/London', location: 'Kitchen', kind: 'tasting' }, 'api');
    const queue = new RecordingQueue();
    await h.addIntegration('outlook');
    const updated = await updateHubEvent(deps(), h.tenantId, created.id, { title: 'Cake tasting' }, 'api');
    await drain(queue);
    expect(updated.version).toBe(created.version + 1);
    expect(updated.event).toMatchObject({ title: 'Cake tasting', location: 'Kitchen', sequence: 1, start: created.event.start, end: created.event.end, wedding: { kind: 'tasting', kindSource: 'wedsync' } });
    expect(queue.specs).toHaveLength(1);

    const moved = await updateHubEvent(deps(), h.tenantId, created.id, { start: '2027-05-02T18:00', end: '2027-05-02T19:00' }, 'api');
    expect(moved.event.start).toMatchObject({ kind: 'zoned', local: '2027-05-02T18:00:00', iana: 'Europe/London' });
    await expect(updateHubEvent(deps(), h.tenantId, created.id, { end: '2027-05-01T10:00' }, 'api')).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(updateHubEvent(deps(), h.tenantId, created.id, ['title'], 'api')).rejects.toMatchObject({ code: 'VALIDATION', message: 'an update must be an object of event fields' });
    await expect(updateHubEvent(deps(), h.tenantId, created.id, { title: 'x' }, 'api', 1)).rejects.toMatchObject({ code: 'STORE_CONFLICT' });
    await expect(updateHubEvent(deps(), h.tenantId, 'missing', { title: 'x' }, 'api')).rejects.toMatchObject({ code: 'STORE_NOT_FOUND' });
  });

  it('keeps an all-day event all-day and a UTC event UTC when another field changes', async () => {
    const allDay = await createHubEvent(deps(), h.tenantId, { title: 'Hold', start: '2027-06-11', end: '2027-06-12' }, 'api');
    expect((await updateHubEvent(deps(), h.tenantId, allDay.id, { location: 'Barn' }, 'api')).event.start).toEqual({ kind: 'date', date: '2027-06-11' });
    const utc = await createHubEvent(deps(), h.tenantId, { title: 'Call', start: '2027-06-11T09:30:00Z', end: '2027-06-11T10:00:00Z' }, 'api');
    expect((await updateHubEvent(deps(), h.tenantId, utc.id, { description: 'agenda' }, 'api')).event.end).toEqual({ kind: 'utc', utc: '2027-06-11T10:00:00Z' });
    const floating = await createHubEvent(deps(), h.tenantId, { title: 'Call', start: '2027-06-11T09:30' }, 'api');
    expect((await updateHubEvent(deps(), h.tenantId, floating.id, { title: 'Call 2' }, 'api')).event.start).toEqual({ kind: 'floating', local: '2027-06-11T09:30:00' });
  });

  it('leaves times the update does not touch exactly as stored (two zones, a zone only a VTIMEZONE defines)', async () => {
    const flight = await h.store.events.put(h.tenantId, { event: makeEvent({ start: zoned('2027-06-01T10:00:00', 'Europe/London'), end: zoned('2027-06-01T13:00:00', 'America/New_York') }), source: 'calendar:x' });
    const retitled = await updateHubEvent(deps(), h.tenantId, flight.id, { title: 'Flight to the destination wedding' }, 'api');
    expect(retitled.event.start).toEqual(flight.event.start);
    expect(retitled.event.end).toEqual(flight.event.end);
    // Moving the start re-parses it in the event's zone; the end stays.
    const moved = await updateHubEvent(deps(), h.tenantId, flight.id, { start: '2027-06-01T09:00' }, 'api');
    expect(moved.event.start).toMatchObject({ kind: 'zoned', local: '2027-06-01T09:00:00', iana: 'Europe/London' });
    expect(moved.event.end).toEqual(flight.event.end);

    const custom = await h.store.events.put(h.tenantId, { event: makeEvent({ start: { kind: 'zoned', local: '2027-06-01T10:00:00', tzid: 'Studio Local Time' }, end: { kind: 'zoned', local: '2027-06-01T11:00:00', tzid: 'Studio Local Time' } }), source: 'calendar:x' });
    const updated = await updateHubEvent(deps(), h.tenantId, custom.id, { location: 'Studio 2' }, 'api');
    expect(updated.event).toMatchObject({ location: 'Studio 2', start: custom.event.start, end: custom.event.end });
    await expect(updateHubEvent(deps(), h.tenantId, custom.id, { start: '2027-06-01T09:00' }, 'api')).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('unknown time zone "Studio Local Time"') });
  });

  it('deletes as a tombstone and pushes the delete', async () => {
    const { calendars: [a] } = await h.addIntegration('outlook');
    const created = await createHubEvent(deps(), h.tenantId, { title: 'Ceremony', start: '2027-06-12T14:00', kind: 'ceremony' }, 'api');
    const queue = new RecordingQueue();
    const deleted = await deleteHubEvent(deps(), h.tenantId, created.id, 'api');
    await drain(queue);
    expect(deleted.deletedAt).toBeDefined();
    expect(await h.store.events.get(h.tenantId, created.id)).toBeUndefined();
    expect(queue.syncs()).toEqual([{ calendarId: a!.id, priority: 'high', reason: 'hub change' }]);
  });
});
