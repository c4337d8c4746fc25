/**
 * The emulator's answers against the shapes in Microsoft's documentation (resources/event.md,
 * resources/calendar.md, api/event-get.md, api/event-delta.md, concepts/json-batching.md,
 * concepts/throttling.md, concepts/errors.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, event, startHarness } from './helpers.js';

// resources/event.md "JSON representation", without navigation properties and originalStart
// (only occurrences and exceptions carry it), plus the v1.0 properties added later.
const EVENT_PROPERTIES = [
  'allowNewTimeProposals', 'attendees', 'body', 'bodyPreview', 'categories', 'changeKey', 'createdDateTime', 'end', 'hasAttachments',
  'iCalUId', 'id', 'importance', 'isAllDay', 'isCancelled', 'isOnlineMeeting', 'isOrganizer', 'isReminderOn', 'lastModifiedDateTime',
  'location', 'locations', 'onlineMeeting', 'onlineMeetingProvider', 'onlineMeetingUrl', 'organizer', 'originalEndTimeZone',
  'originalStartTimeZone', 'recurrence', 'reminderMinutesBeforeStart', 'responseRequested', 'responseStatus', 'sensitivity',
  'seriesMasterId', 'showAs', 'start', 'subject', 'type', 'webLink', 'transactionId', 'hideAttendees', 'isDraft',
];

// resources/calendar.md "JSON representation" (scalar and complex properties).
const CALENDAR_PROPERTIES = [
  'allowedOnlineMeetingProviders', 'canEdit', 'canShare', 'canViewPrivateItems', 'changeKey', 'color', 'defaultOnlineMeetingProvider',
  'hexColor', 'id', 'isDefaultCalendar', 'isRemovable', 'isTallyingResponses', 'name', 'owner',
];

describe('Graph emulator: documented samples', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('returns every documented event property, and acknowledges Prefer with Preference-Applied', async () => {
    const created = await h.client.api('/me/events').post(event('Sample', '2014-11-03T17:00:00', '2014-11-03T17:30:00'));
    const res = await h.call('GET', `/me/events/${created.id}`, { headers: { prefer: 'outlook.timezone="Pacific Standard Time"' } });
    expect(res.headers['preference-applied']).toBe('outlook.timezone="Pacific Standard Time"');
    const body = res.body as Record<string, unknown>;
    for (const p of EVENT_PROPERTIES) expect(body, p).toHaveProperty(p);
    expect(body['@odata.etag']).toMatch(/^W\/".+"$/);
    expect(body.responseStatus).toEqual({ response: 'organizer', time: '0001-01-01T00:00:00Z' });
    expect(body.start).toEqual({ dateTime: '2014-11-03T09:00:00.0000000', timeZone: 'Pacific Standard Time' });
    expect(body.createdDateTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/);
    expect(body.iCalUId).toMatch(/^040000008200E00074C5B7101A82E008/);
  });

  it('returns every documented calendar property', async () => {
    const cal = (await h.client.api('/me/calendar').get()) as Record<string, unknown>;
    for (const p of CALENDAR_PROPERTIES) expect(cal, p).toHaveProperty(p);
  });

  it('shapes a delta page like the event-delta.md sample (Prefer: odata.maxpagesize=2)', async () => {
    for (let i = 0; i < 3; i++) await h.client.api('/me/events').post(event(`Delta sample ${i}`, `2026-06-2${i}T10:00:00`, `2026-06-2${i}T11:00:00`));
    const res = await h.call('GET', '/me/calendarView/delta?startdatetime=2026-06-01T00:00:00&enddatetime=2026-07-01T00:00:00', { headers: { prefer: 'odata.maxpagesize=2' } });
    expect(res.headers['preference-applied']).toBe('odata.maxpagesize=2');
    const page = res.body as { '@odata.nextLink': string; value: Record<string, unknown>[] };
    expect(page['@odata.nextLink']).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/v1\.0\/me\/calendarView\/delta\?\$skiptoken=\S+$/);
    expect(page.value).toHaveLength(2);
    expect(page.value[0]).toMatchObject({ transactionId: null, isDraft: false, isReminderOn: true, reminderMinutesBeforeStart: 15, responseStatus: { response: 'organizer' } });
  });

  it('shapes throttling and authentication errors like concepts/throttling.md and errors.md', async () => {
    h.emu.admin.addFault({ rule: { kind: 'throttle', retryAfterS: 7 }, count: 1 });
    const throttled = await h.call('GET', '/me/events', { headers: { 'client-request-id': 'c-1' } });
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBe('7');
    const body = throttled.body as { error: { code: string; message: string; innerError: Record<string, string> } };
    expect(Object.keys(body.error)).toEqual(['code', 'message', 'innerError']);
    expect(body.error).toMatchObject({ code: 'TooManyRequests', message: 'Please retry again later.' });
    expect(Object.keys(body.error.innerError)).toEqual(['request-id', 'date', 'client-request-id']);
    expect(body.error.innerError['request-id']).toBe(throttled.headers['request-id']);
    expect(body.error.innerError.date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  });

  it('shapes a batch response like concepts/json-batching.md', async () => {
    const res = await h.call('POST', '/$batch', {
      body: { requests: [{ id: '1', method: 'GET', url: '/me/calendar' }, { id: '2', method: 'GET', url: '/me/events/missing' }] },
    });
    expect(res.status).toBe(200);
    const responses = (res.body as { responses: Record<string, unknown>[] }).responses;
    expect(responses.map((r) => Object.keys(r).sort())).toEqual([
      ['body', 'headers', 'id', 'status'],
      ['body', 'headers', 'id', 'status'],
    ]);
    expect(responses.map((r) => [r.id, r.status])).toEqual([
      ['1', 200],
      ['2', 404],
    ]);
  });
});
