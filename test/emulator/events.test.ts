import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, event, startHarness } from './helpers.js';

describe('Graph emulator: events through the official client', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('creates, reads, updates and deletes an event; the etag changes on every edit', async () => {
    const created = await h.client.api('/me/events').post(event('Ceremony', '2026-06-20T15:00:00', '2026-06-20T16:00:00'));
    expect(created['@odata.etag']).toBe(`W/"${created.changeKey}"`);
    expect(created.type).toBe('singleInstance');
    expect(created.start).toEqual({ dateTime: '2026-06-20T15:00:00.0000000', timeZone: 'UTC' });
    expect(created['@odata.context']).toContain("/v1.0/$metadata#users('");

    const read = await h.client.api(`/me/events/${created.id}`).get();
    expect(read.subject).toBe('Ceremony');
    expect(read.changeKey).toBe(created.changeKey);

    const patched = await h.client.api(`/me/events/${created.id}`).header('If-Match', created['@odata.etag']).patch({ subject: 'Ceremony (moved)' });
    expect(patched.subject).toBe('Ceremony (moved)');
    expect(patched.changeKey).not.toBe(created.changeKey);

    await h.client.api(`/me/events/${created.id}`).delete();
    await expect(h.client.api(`/me/events/${created.id}`).get()).rejects.toMatchObject({ statusCode: 404, code: 'ErrorItemNotFound' });
  });

  it('answers a stale If-Match with 412 ErrorIrresolvableConflict', async () => {
    const created = await h.client.api('/me/events').post(event('Tasting', '2026-06-21T10:00:00', '2026-06-21T11:00:00'));
    await h.client.api(`/me/events/${created.id}`).patch({ subject: 'Tasting 2' });
    const res = await h.call('PATCH', `/me/events/${created.id}`, { body: { subject: 'lost update' }, headers: { 'if-match': created['@odata.etag'] } });
    expect(res.status).toBe(412);
    expect(res.body).toMatchObject({
      error: {
        code: 'ErrorIrresolvableConflict',
        message: 'The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.',
        innerError: { 'request-id': expect.any(String), date: expect.any(String), 'client-request-id': expect.any(String) },
      },
    });
  });
});

describe('Graph emulator: event details', () => {
  let h: Harness;
  const prop = 'String {66f5a359-4659-4830-9070-00047ec6ac6e} Name calsyncId';
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('stores single-value extended properties: not echoed on create, read with $expand, found with $filter', async () => {
    const created = await h.client.api('/me/events').post(event('Venue visit', '2026-07-01T09:00:00', '2026-07-01T10:00:00', { singleValueExtendedProperties: [{ id: prop, value: 'hub-42' }] }));
    expect(created.singleValueExtendedProperties).toBeUndefined();

    const expanded = await h.client.api(`/me/events/${created.id}`).expand(`singleValueExtendedProperties($filter=id eq '${prop}')`).get();
    expect(expanded.singleValueExtendedProperties).toEqual([{ id: prop, value: 'hub-42' }]);

    const found = await h.client.api('/me/events').filter(`singleValueExtendedProperties/Any(ep: ep/id eq '${prop}' and ep/value eq 'hub-42')`).get();
    expect(found.value.map((e: { id: string }) => e.id)).toEqual([created.id]);
    const none = await h.client.api('/me/events').filter(`singleValueExtendedProperties/Any(ep: ep/id eq '${prop}' and ep/value eq 'other')`).get();
    expect(none.value).toEqual([]);

    const other = await h.client.api('/me/events').post(event('No prop', '2026-07-02T09:00:00', '2026-07-02T10:00:00'));
    const withoutMatch = await h.client.api(`/me/events/${other.id}`).expand(`singleValueExtendedProperties($filter=id eq '${prop}')`).get();
    expect('singleValueExtendedProperties' in withoutMatch).toBe(false);
  });

  it('orders with $orderby and refuses orderings it does not know', async () => {
    await h.client.api('/me/events').post(event('Zeta', '2026-05-02T09:00:00', '2026-05-02T10:00:00'));
    await h.client.api('/me/events').post(event('Alpha', '2026-05-01T09:00:00', '2026-05-01T10:00:00'));
    const bySubject = await h.client.api('/me/events').orderby('subject desc').top(1000).get();
    const subjects = bySubject.value.map((e: { subject: string }) => e.subject);
    expect(subjects).toEqual([...subjects].sort().reverse());
    const view = await h.client.api('/me/calendarView?startDateTime=2026-05-01T00:00:00Z&endDateTime=2026-05-03T00:00:00Z').orderby('start/dateTime desc').get();
    expect(view.value.map((e: { subject: string }) => e.subject)).toEqual(['Zeta', 'Alpha']);
    expect((await h.call('GET', '/me/events?$orderby=colour')).status).toBe(400);
    expect((await h.call('GET', '/me/events?$top=-1')).status).toBe(400);
  });

  it('refuses filters it cannot run instead of ignoring them', async () => {
    const res = await h.call('GET', `/me/events?$filter=${encodeURIComponent("contains(subject,'x')")}`);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'BadRequest' } });
  });

  it('makes a repeated transactionId return the first event instead of a duplicate', async () => {
    const body = event('Rehearsal', '2026-07-03T18:00:00', '2026-07-03T19:00:00', { transactionId: 'tx-1' });
    const first = await h.client.api('/me/events').post(body);
    const second = await h.client.api('/me/events').post(body);
    expect(second.id).toBe(first.id);
    expect(first.transactionId).toBe('tx-1');
    const all = await h.client.api('/me/events').top(100).filter("subject eq 'Rehearsal'").get();
    expect(all.value).toHaveLength(1);
  });

  it('honours Prefer: outlook.timezone and reports the original zone', async () => {
    const created = await h.client
      .api('/me/events')
      .post({ subject: 'Reception', start: { dateTime: '2026-06-20T18:00:00', timeZone: 'Pacific Standard Time' }, end: { dateTime: '2026-06-20T23:00:00', timeZone: 'Pacific Standard Time' } });
    expect(created.start).toEqual({ dateTime: '2026-06-21T01:00:00.0000000', timeZone: 'UTC' });
    expect(created.originalStartTimeZone).toBe('Pacific Standard Time');
    const local = await h.client.api(`/me/events/${created.id}`).header('Prefer', 'outlook.timezone="Pacific Standard Time"').get();
    expect(local.start).toEqual({ dateTime: '2026-06-20T18:00:00.0000000', timeZone: 'Pacific Standard Time' });
    const iana = await h.client.api(`/me/events/${created.id}`).header('Prefer', 'outlook.timezone="Europe/London"').get();
    expect(iana.start.dateTime).toBe('2026-06-21T02:00:00.0000000');
    const bad = await h.call('GET', `/me/events/${created.id}`, { headers: { prefer: 'outlook.timezone="Mars/Olympus"' } });
    expect(bad.status).toBe(400);
  });

  it('keeps all-day events at midnight and refuses ones that are not', async () => {
    const allDay = await h.client.api('/me/events').post({ ...event('Wedding day', '2026-06-20T00:00:00', '2026-06-21T00:00:00'), isAllDay: true });
    expect(allDay.isAllDay).toBe(true);
    const local = await h.client.api(`/me/events/${allDay.id}`).header('Prefer', 'outlook.timezone="Tokyo Standard Time"').get();
    expect(local.start).toEqual({ dateTime: '2026-06-20T00:00:00.0000000', timeZone: 'Tokyo Standard Time' });
    const res = await h.call('POST', '/me/events', { body: { ...event('Bad', '2026-06-20T10:00:00', '2026-06-21T00:00:00'), isAllDay: true } });
    expect(res.status).toBe(400);
  });

  it('validates bodies: unknown properties, wrong types, end before start, missing times', async () => {
    const unknown = await h.call('POST', '/me/events', { body: { ...event('x', '2026-06-20T10:00:00', '2026-06-20T11:00:00'), colour: 'red' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ error: { code: 'RequestBodyRead' } });
    const wrongType = await h.call('POST', '/me/events', { body: { ...event('x', '2026-06-20T10:00:00', '2026-06-20T11:00:00'), showAs: 'maybe' } });
    expect(wrongType.status).toBe(400);
    const backwards = await h.call('POST', '/me/events', { body: event('x', '2026-06-20T12:00:00', '2026-06-20T11:00:00') });
    expect(backwards.status).toBe(400);
    const noTimes = await h.call('POST', '/me/events', { body: { subject: 'x' } });
    expect(noTimes.status).toBe(400);
    const badJson = await h.call('POST', '/me/events', { body: undefined, headers: { 'content-type': 'application/json' } });
    expect(badJson.status).toBe(400);
  });

  it('refuses malformed values in every kind of property', async () => {
    const base = event('x', '2026-06-20T10:00:00', '2026-06-20T11:00:00');
    const prop = 'String {66f5a359-4659-4830-9070-00047ec6ac6e} Name calsyncId';
    const bad: Record<string, unknown>[] = [
      { ...base, body: { contentType: 'rtf', content: 'x' } },
      { ...base, attendees: Array.from({ length: 501 }, (_, i) => ({ emailAddress: { address: `a${i}@x.org` } })) },
      { ...base, categories: [1] },
      { ...base, categories: 'Wedding' },
      { ...base, reminderMinutesBeforeStart: 1.5 },
      { ...base, isReminderOn: 'yes' },
      { ...base, location: 'Hall' },
      { ...base, subject: 5 },
      { ...base, isAllDay: 'no' },
      { ...base, transactionId: 7 },
      { ...base, start: 'tomorrow' },
      { ...base, start: { dateTime: 'soon', timeZone: 'UTC' } },
      { ...base, start: { dateTime: '2026-06-20T10:00:00', timeZone: 'Atlantis Time' } },
      { ...base, singleValueExtendedProperties: 'x' },
      { ...base, singleValueExtendedProperties: [{ id: 'calsyncId', value: 'x' }] },
      { ...base, singleValueExtendedProperties: [{ id: prop, value: 3 }] },
      { ...base, recurrence: 'weekly' },
      { ...base, recurrence: { pattern: { type: 'daily', interval: 1 }, range: { type: 'sometimes', startDate: '2026-06-20' } } },
      { ...base, recurrence: { pattern: { type: 'daily', interval: 1 }, range: { type: 'noEnd' } } },
      { ...base, recurrence: { pattern: { type: 'absoluteMonthly', interval: 1, dayOfMonth: 32 }, range: { type: 'noEnd', startDate: '2026-06-20' } } },
      { ...base, recurrence: { pattern: { type: 'absoluteYearly', interval: 1, dayOfMonth: 1, month: 13 }, range: { type: 'noEnd', startDate: '2026-06-20' } } },
      { ...base, recurrence: { pattern: { type: 'relativeMonthly', interval: 1, daysOfWeek: ['friday'], index: 'fifth' }, range: { type: 'noEnd', startDate: '2026-06-20' } } },
      { ...base, recurrence: { pattern: { type: 'weekly', interval: 1, daysOfWeek: ['funday'] }, range: { type: 'noEnd', startDate: '2026-06-20' } } },
      { ...base, recurrence: { pattern: { type: 'daily', interval: 1 }, range: { type: 'noEnd', startDate: '2026-06-20', recurrenceTimeZone: 'Nowhere' } } },
      { ...base, recurrence: { pattern: { type: 'daily', interval: 1 }, range: { type: 'noEnd', startDate: '20/06/2026' } } },
      [base] as unknown as Record<string, unknown>,
    ];
    for (const body of bad) expect((await h.call('POST', '/me/events', { body })).status, JSON.stringify(body).slice(0, 120)).toBe(400);
  });

  it('returns only $select-ed properties (plus id and @odata.etag), and cancels events', async () => {
    const created = await h.client.api('/users/adele@contoso.onmicrosoft.com/calendar/events').post({ ...event('Selected', '2026-06-20T10:00:00', '2026-06-20T11:00:00'), body: { contentType: 'html', content: '<p>Bring <b>rings</b></p>' } });
    const selected = await h.client.api(`/me/events/${created.id}`).select('subject,bodyPreview').get();
    expect(Object.keys(selected).sort()).toEqual(['@odata.context', '@odata.etag', 'bodyPreview', 'id', 'subject']);
    expect(selected.bodyPreview).toBe('Bring rings');
    const res = await h.call('POST', `/me/calendar/events/${created.id}/cancel`, { body: { comment: 'Called off' } });
    expect(res.status).toBe(202);
    expect((await h.call('GET', `/me/events/${created.id}`)).status).toBe(404);
  });

  it('pages /events with $top and an absolute https nextLink the client can follow', async () => {
    for (let i = 0; i < 3; i++) await h.client.api('/me/events').post(event(`Page ${i}`, '2026-08-01T10:00:00', '2026-08-01T11:00:00'));
    const first = await h.client.api('/me/events').top(2).get();
    expect(first.value).toHaveLength(2);
    expect(first['@odata.nextLink']).toMatch(new RegExp(`^${h.emu.graphUrl.replace(/[.]/g, '\\.')}/me/events\\?`));
    const second = await h.client.api(first['@odata.nextLink']).get();
    expect(second.value[0].id).not.toBe(first.value[0].id);
  });

  it('serves calendars, /users/{upn} paths, case-insensitive segments, and refuses other mailboxes', async () => {
    const cal = await h.client.api('/me/calendars').post({ name: 'Weddings' });
    expect(cal.isDefaultCalendar).toBe(false);
    const dup = await h.call('POST', '/me/calendars', { body: { name: 'weddings' } });
    expect(dup.status).toBe(409);
    const list = await h.client.api('/users/adele@contoso.onmicrosoft.com/calendars').get();
    expect(list.value.map((c: { name: string }) => c.name)).toEqual(['Calendar', 'Weddings']);
    const renamed = await h.client.api(`/me/calendars/${cal.id}`).patch({ name: 'Weddings 2026' });
    expect(renamed.name).toBe('Weddings 2026');
    const inCal = await h.client.api(`/me/calendars/${cal.id}/events`).post(event('In calendar', '2026-09-01T10:00:00', '2026-09-01T11:00:00'));
    const listed = await h.client.api(`/me/calendars/${cal.id}/events`).get();
    expect(listed.value.map((e: { id: string }) => e.id)).toEqual([inCal.id]);
    const def = await h.client.api('/me/calendar').get();
    expect(def.isDefaultCalendar).toBe(true);
    const lower = await h.call('GET', `/me/calendars/${cal.id}/EVENTS`);
    expect(lower.status).toBe(200);
    const deleteDefault = await h.call('DELETE', `/me/calendars/${def.id}`);
    expect(deleteDefault.status).toBe(400);
    await h.client.api(`/me/calendars/${cal.id}`).delete();
    const gone = await h.call('GET', `/me/events/${inCal.id}`);
    expect(gone.status).toBe(404);

    const other = h.emu.admin.addUser({ userPrincipalName: 'megan@contoso.onmicrosoft.com' });
    const denied = await h.call('GET', `/users/${other.id}/events`);
    expect(denied.status).toBe(403);
    const unknownUser = await h.call('GET', '/users/nobody@contoso.onmicrosoft.com/events');
    expect(unknownUser.status).toBe(404);
  });

  it('answers unknown segments and missing or bad tokens with Graph errors', async () => {
    const unknown = await h.call('GET', '/me/nonsense');
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ error: { code: 'BadRequest', message: "Resource not found for the segment 'nonsense'." } });
    const noToken = await h.call('GET', '/me/events', { token: null });
    expect(noToken.status).toBe(401);
    expect(noToken.body).toMatchObject({ error: { code: 'InvalidAuthenticationToken', message: 'Access token is empty.' } });
    const badToken = await h.call('GET', '/me/events', { token: 'garbage' });
    expect(badToken.status).toBe(401);
    const echoed = await h.call('GET', '/me/events/nope', { headers: { 'client-request-id': 'abc-123' } });
    expect(echoed.headers['client-request-id']).toBe('abc-123');
    expect(echoed.body).toMatchObject({ error: { innerError: { 'client-request-id': 'abc-123' } } });
  });
});
