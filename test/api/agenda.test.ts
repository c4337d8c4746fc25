/**
 * `GET /api/v1/agenda` (issue 13): upcoming events in time order with their state in every enabled
 * calendar — synced, waiting, conflict, not sent — read from the store (service/agenda.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { makeWeddingEvent, zoned } from '../support/events.js';
import { makeApi, type ApiHarness } from './harness.js';

const harnesses: ApiHarness[] = [];

/** The states of an agenda event by calendar id (the calendars' order is the store's, not asserted). */
const states = (e: AgendaBody['events'][number], ...ids: string[]): string[] => ids.map((id) => e.calendars.find((c) => c.calendarId === id)?.state ?? 'absent');
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

interface AgendaBody {
  events: { id: string; title: string; weddingCritical: boolean; kind: string; calendars: { calendarId: string; state: string; conflictId?: string }[] }[];
}

describe('GET /api/v1/agenda', () => {
  it('lists the next weeks in order with per-calendar sync state', async () => {
    const h = await makeApi();
    harnesses.push(h);
    const { calendars: [studio] } = await h.addIntegration('Studio');
    const { calendars: [phone] } = await h.addIntegration('Phone');
    const client = h.server.otherClient(studio!.remoteId);
    // The clock starts 2026-06-01 12:00 UTC: the tasting (June 20) and the ceremony (July 4) are in the
    // six-week window, the reception (August) is not.
    client.create(makeWeddingEvent('ceremony', {}, '2026-07-04'));
    client.create(makeWeddingEvent('tasting', { start: zoned('2026-06-20T12:00:00'), end: zoned('2026-06-20T13:00:00') }));
    client.create(makeWeddingEvent('reception', {}, '2026-08-15'));
    await h.syncNow(studio!.id);
    await h.syncNow(phone!.id);

    const res = await h.call('GET', '/api/v1/agenda');
    expect(res.statusCode).toBe(200);
    const body = res.json<AgendaBody>();
    expect(body.events.map((e) => e.kind)).toEqual(['tasting', 'ceremony']);
    expect(body.events.map((e) => e.weddingCritical)).toEqual([false, true]);
    for (const e of body.events) {
      expect(e.calendars).toHaveLength(2);
      expect(states(e, studio!.id, phone!.id)).toEqual(['synced', 'synced']);
    }

    // A change in WedSync: waiting in both calendars until they sync.
    const ceremony = body.events[1]!;
    const hub = await h.store.events.get(h.a.tenant.id, ceremony.id);
    await h.store.events.put(h.a.tenant.id, { id: hub!.id, event: { ...hub!.event, location: 'Rosewood Hall' }, source: 'api', expectedVersion: hub!.version });
    const waiting = (await h.call('GET', '/api/v1/agenda')).json<AgendaBody>();
    expect(states(waiting.events[1]!, studio!.id, phone!.id)).toEqual(['waiting', 'waiting']);
    await h.syncNow(phone!.id);
    const half = (await h.call('GET', '/api/v1/agenda')).json<AgendaBody>();
    expect(states(half.events[1]!, studio!.id, phone!.id)).toEqual(['waiting', 'synced']);

    // Both sides change the place: a conflict on the studio calendar.
    const item = h.server.items(studio!.remoteId).find((i) => i.event.uid === hub!.event.uid)!;
    client.update(item.remoteId, (e) => ({ ...e, location: 'The Old Barn' }));
    await h.syncNow(studio!.id);
    const [conflict] = await h.store.conflicts.list(h.a.tenant.id, { status: 'open' });
    expect(conflict).toBeDefined();
    const withConflict = (await h.call('GET', '/api/v1/agenda')).json<AgendaBody>();
    expect(withConflict.events[1]!.calendars.find((c) => c.calendarId === studio!.id)).toEqual({ calendarId: studio!.id, state: 'conflict', conflictId: conflict!.id });

    // An import-only calendar never receives a WedSync-only event.
    await h.call('PATCH', `/api/v1/calendars/${phone!.id}`, { body: { direction: 'import_only' } });
    await h.store.events.put(h.a.tenant.id, { event: makeWeddingEvent('client_meeting', { start: zoned('2026-06-10T10:00:00'), end: zoned('2026-06-10T11:00:00') }), source: 'api' });
    const meeting = (await h.call('GET', '/api/v1/agenda?days=14')).json<AgendaBody>().events[0]!;
    expect(meeting.kind).toBe('client_meeting');
    expect(states(meeting, studio!.id, phone!.id)).toEqual(['waiting', 'not_sent']);

    // Another tenant sees none of it; a bad window is a 400.
    expect((await h.call('GET', '/api/v1/agenda', { as: h.b })).json<AgendaBody>().events).toEqual([]);
    expect((await h.call('GET', '/api/v1/agenda?days=0')).statusCode).toBe(400);
  });
});
