import { describe, expect, it } from 'vitest';
import { isCalsyncError } from '../../src/errors.js';
import type { CalendarEvent } from '../../src/model/event.js';
import { HUB_ID_PROPERTY, UID_PROPERTY } from '../../src/providers/graph/constants.js';
import type { GraphEvent } from '../../src/providers/graph/graph-types.js';
import { htmlToText } from '../../src/providers/graph/mapping/body.js';
import { eventFromGraph } from '../../src/providers/graph/mapping/event-from-graph.js';
import { eventToGraph, fieldsToGraph } from '../../src/providers/graph/mapping/event-to-graph.js';
import { hubIdOf, ourProperties } from '../../src/providers/graph/mapping/extended-properties.js';
import { graphLocal, recurrenceIdFromGraph, timeFromGraph, timeToGraph } from '../../src/providers/graph/mapping/time.js';

/** A GET /me/events/{id} body as Graph returns it (default UTC, Windows original zones). */
const single: GraphEvent = {
  '@odata.etag': 'W/"DwAAABYAAAA1"',
  id: 'AAMkAGI2TG93AAA=',
  createdDateTime: '2026-05-01T10:00:00.1234567Z',
  lastModifiedDateTime: '2026-05-02T11:30:00.7654321Z',
  changeKey: 'DwAAABYAAAA1',
  categories: ['Blue category', 'Smith wedding'],
  originalStartTimeZone: 'Pacific Standard Time',
  originalEndTimeZone: 'Pacific Standard Time',
  iCalUId: '040000008200E00074C5B7101A82E00800000000D0E1',
  importance: 'high',
  isReminderOn: true,
  reminderMinutesBeforeStart: 30,
  subject: 'Ceremony rehearsal at the chapel',
  body: { contentType: 'html', content: '<html><body><p>Bring the <b>rings</b> &amp; vows.</p><p>Parking: north lot</p></body></html>' },
  start: { dateTime: '2026-06-19T22:00:00.0000000', timeZone: 'UTC' },
  end: { dateTime: '2026-06-20T00:00:00.0000000', timeZone: 'UTC' },
  isAllDay: false,
  location: { displayName: 'St Mary Chapel', locationType: 'default' },
  attendees: [
    { type: 'required', status: { response: 'accepted', time: '2026-05-03T00:00:00Z' }, emailAddress: { name: 'Ann Smith', address: 'ann@example.com' } },
    { type: 'optional', status: { response: 'tentativelyAccepted' }, emailAddress: { name: 'bob@example.com', address: 'bob@example.com' } },
    { type: 'resource', status: { response: 'none' }, emailAddress: { name: 'Chapel room', address: 'chapel@example.com' } },
  ],
  organizer: { emailAddress: { name: 'Planner', address: 'planner@example.com' } },
  showAs: 'tentative',
  sensitivity: 'private',
  type: 'singleInstance',
  singleValueExtendedProperties: [{ id: HUB_ID_PROPERTY.replace('Name', 'name'), value: 'hub-1' }],
};

describe('Graph event → model', () => {
  it('maps a single event: original zone, attendees, body, showAs, sensitivity, wedding kind', () => {
    const e = eventFromGraph(single);
    expect(e.uid).toBe(single.iCalUId);
    expect(e.start).toEqual({ kind: 'zoned', local: '2026-06-19T15:00:00', tzid: 'Pacific Standard Time', iana: 'America/Los_Angeles' });
    expect(e.end).toEqual({ kind: 'zoned', local: '2026-06-19T17:00:00', tzid: 'Pacific Standard Time', iana: 'America/Los_Angeles' });
    expect(e.description).toBe('Bring the rings & vows.\nParking: north lot');
    expect(e.location).toBe('St Mary Chapel');
    expect(e.attendees).toEqual([
      { email: 'ann@example.com', name: 'Ann Smith', role: 'required', status: 'accepted' },
      { email: 'bob@example.com', role: 'optional', status: 'tentative' },
      { email: 'chapel@example.com', name: 'Chapel room', role: 'resource', status: 'needs-action' },
    ]);
    expect(e.organizer).toEqual({ email: 'planner@example.com', name: 'Planner' });
    expect(e).toMatchObject({ showAs: 'tentative', transparency: 'opaque', sensitivity: 'private', categories: ['Blue category', 'Smith wedding'] });
    expect(e.created).toBeUndefined();
    expect(e.lastModified).toBe('2026-05-02T11:30:00.765Z');
    expect(e.status).toBe('confirmed');
    expect(e.wedding).toEqual({ kind: 'rehearsal', kindSource: 'inferred' });
    // Outlook defaults (isReminderOn: true) are not kept; what differs from them is.
    expect(e.extra?.provider?.graph).toEqual({ bodyHtml: single.body?.content, importance: 'high', reminderMinutesBeforeStart: 30 });
    expect(e.recurrence).toBeUndefined();
    expect(hubIdOf(single)).toBe('hub-1');
  });

  it('prefers our UID property over iCalUId', () => {
    const e = eventFromGraph({ ...single, singleValueExtendedProperties: ourProperties('hub-1', 'wedsync-uid-1@calsync') });
    expect(e.uid).toBe('wedsync-uid-1@calsync');
  });

  it('maps an all-day event to dates', () => {
    const e = eventFromGraph({
      id: 'x',
      subject: 'Wedding day',
      isAllDay: true,
      start: { dateTime: '2026-06-20T00:00:00.0000000', timeZone: 'UTC' },
      end: { dateTime: '2026-06-21T00:00:00.0000000', timeZone: 'UTC' },
      originalStartTimeZone: 'GMT Standard Time',
      showAs: 'free',
    });
    expect(e.start).toEqual({ kind: 'date', date: '2026-06-20' });
    expect(e.end).toEqual({ kind: 'date', date: '2026-06-21' });
    expect(e.transparency).toBe('transparent');
    expect(e.wedding.kind).toBe('wedding_day_timeline');
  });

  it('reads every dateTime spelling Graph uses and refuses others', () => {
    expect(graphLocal('2026-06-20T15:00:00.0000000')).toBe('2026-06-20T15:00:00');
    expect(graphLocal('2026-06-20T15:00')).toBe('2026-06-20T15:00:00');
    expect(graphLocal('2026-06-20')).toBe('2026-06-20T00:00:00');
    expect(() => graphLocal('20 June')).toThrow(expect.objectContaining({ code: 'VALIDATION' }));
  });

  it('keeps a Windows zone Graph reported directly, and UTC when no original zone is known', () => {
    expect(timeFromGraph({ dateTime: '2026-06-20T15:00:00.0000000', timeZone: 'W. Europe Standard Time' }, false)).toEqual({
      kind: 'zoned',
      local: '2026-06-20T15:00:00',
      tzid: 'W. Europe Standard Time',
      iana: 'Europe/Berlin',
    });
    expect(timeFromGraph({ dateTime: '2026-06-20T15:00:00', timeZone: 'UTC' }, false, 'tzone://Microsoft/Custom')).toEqual({ kind: 'utc', utc: '2026-06-20T15:00:00Z' });
    expect(timeFromGraph({ dateTime: '2026-06-20T15:00:00', timeZone: 'Customized Time Zone' }, false)).toEqual({
      kind: 'zoned',
      local: '2026-06-20T15:00:00',
      tzid: 'Customized Time Zone',
    });
  });

  it('builds one series from master + exception + cancelled occurrence', () => {
    const master: GraphEvent = {
      id: 'master-1',
      type: 'seriesMaster',
      iCalUId: 'series-uid',
      subject: 'Weekly vendor call',
      start: { dateTime: '2026-06-01T08:00:00.0000000', timeZone: 'UTC' },
      end: { dateTime: '2026-06-01T09:00:00.0000000', timeZone: 'UTC' },
      originalStartTimeZone: 'GMT Standard Time',
      recurrence: {
        pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'], firstDayOfWeek: 'sunday' },
        range: { type: 'numbered', startDate: '2026-06-01', numberOfOccurrences: 6, recurrenceTimeZone: 'GMT Standard Time' },
      },
    };
    const exception: GraphEvent = {
      id: 'exc-1',
      type: 'exception',
      seriesMasterId: 'master-1',
      subject: 'Weekly vendor call (moved)',
      originalStart: '2026-06-08T08:00:00Z',
      start: { dateTime: '2026-06-09T13:00:00.0000000', timeZone: 'UTC' },
      end: { dateTime: '2026-06-09T14:00:00.0000000', timeZone: 'UTC' },
      originalStartTimeZone: 'GMT Standard Time',
    };
    const meetingCancelled: GraphEvent = { ...exception, id: 'exc-2', originalStart: '2026-06-22T08:00:00Z', isCancelled: true };
    const e = eventFromGraph(master, { exceptions: [meetingCancelled, exception], cancelledStarts: ['2026-06-15T08:00:00Z'] });
    expect(e.recurrence).toEqual({
      rrules: ['FREQ=WEEKLY;COUNT=6;WKST=SU'],
      rdates: [],
      exdates: [
        { kind: 'zoned', local: '2026-06-15T09:00:00', tzid: 'GMT Standard Time', iana: 'Europe/London' },
        { kind: 'zoned', local: '2026-06-22T09:00:00', tzid: 'GMT Standard Time', iana: 'Europe/London' },
      ],
    });
    expect(e.overrides).toHaveLength(1);
    expect(e.overrides[0]).toMatchObject({
      title: 'Weekly vendor call (moved)',
      recurrenceId: { kind: 'zoned', local: '2026-06-08T09:00:00', tzid: 'GMT Standard Time' },
      start: { kind: 'zoned', local: '2026-06-09T14:00:00', iana: 'Europe/London' },
    });
  });

  it('puts all-day recurrence ids on the right date in the series zone', () => {
    const day = { kind: 'date', date: '2026-06-01' } as const;
    expect(recurrenceIdFromGraph('2026-06-07T23:00:00Z', day, { allDayZone: 'Europe/London' })).toEqual({ kind: 'date', date: '2026-06-08' });
    expect(recurrenceIdFromGraph('2026-06-08T00:00:00Z', day)).toEqual({ kind: 'date', date: '2026-06-08' });
    // UTC midnight is taken as is, whatever the series' zone (Pacific midnight would be 07:00Z).
    expect(recurrenceIdFromGraph('2026-06-08T00:00:00Z', day, { allDayZone: 'America/Los_Angeles' })).toEqual({ kind: 'date', date: '2026-06-08' });
    expect(recurrenceIdFromGraph('2026-06-08T07:00:00Z', day, { allDayZone: 'America/Los_Angeles' })).toEqual({ kind: 'date', date: '2026-06-08' });
    expect(recurrenceIdFromGraph('2026-06-08T10:00:00Z', { kind: 'utc', utc: '2026-06-01T10:00:00Z' })).toEqual({ kind: 'utc', utc: '2026-06-08T10:00:00Z' });
    expect(recurrenceIdFromGraph('2026-06-08T10:00:00Z', { kind: 'floating', local: '2026-06-01T12:00:00' }, { floatingZone: 'Europe/Paris' })).toEqual({
      kind: 'floating',
      local: '2026-06-08T12:00:00',
    });
  });
});

const hubEvent = (over: Partial<CalendarEvent> = {}): CalendarEvent => ({
  uid: 'wedsync-42@calsync',
  title: 'Menu tasting',
  description: 'Five courses',
  location: 'The Old Barn',
  start: { kind: 'zoned', local: '2026-06-10T18:00:00', tzid: 'Europe/London', iana: 'Europe/London' },
  end: { kind: 'zoned', local: '2026-06-10T20:00:00', tzid: 'Europe/London', iana: 'Europe/London' },
  attendees: [{ email: 'chef@example.com', name: 'Chef', role: 'chair', status: 'accepted' }],
  categories: ['Tasting'],
  showAs: 'busy',
  transparency: 'opaque',
  sensitivity: 'normal',
  status: 'confirmed',
  sequence: 0,
  overrides: [],
  wedding: { kind: 'tasting', kindSource: 'inferred' },
  ...over,
});

/** What Graph would hand back for a written body (UTC start/end + original zones), for round trips. */
function asStored(id: string, body: ReturnType<typeof eventToGraph>): GraphEvent {
  // Graph answers every attendee with a status; a new one has not responded.
  const attendees = body.attendees?.map((a) => ({ ...a, status: { response: 'none' as const } }));
  return { ...body, attendees, id, iCalUId: 'graph-assigned', singleValueExtendedProperties: ourProperties('hub-42', 'wedsync-42@calsync') };
}

describe('model → Graph', () => {
  it('writes Windows zone names, plain text body, attendee types without responses', () => {
    const body = eventToGraph(hubEvent());
    expect(body.start).toEqual({ dateTime: '2026-06-10T18:00:00', timeZone: 'GMT Standard Time' });
    expect(body.body).toEqual({ contentType: 'text', content: 'Five courses' });
    expect(body.attendees).toEqual([{ emailAddress: { address: 'chef@example.com', name: 'Chef' }, type: 'required' }]);
    expect(body).toMatchObject({ isAllDay: false, showAs: 'busy', sensitivity: 'normal', location: { displayName: 'The Old Barn' }, recurrence: null });
  });

  it('round-trips a zoned event through Graph unchanged', () => {
    const event = hubEvent({ attendees: [{ email: 'chef@example.com', name: 'Chef', role: 'required', status: 'needs-action', rsvp: true }] });
    expect(eventToGraph(event).responseRequested).toBe(true);
    const back = eventFromGraph(asStored('e1', eventToGraph(event)));
    expect(back).toEqual({ ...event, start: { ...event.start, tzid: 'GMT Standard Time' }, end: { ...event.end, tzid: 'GMT Standard Time' } });
  });

  it('round-trips all-day and UTC times', () => {
    const allDay = hubEvent({ start: { kind: 'date', date: '2026-06-20' }, end: undefined, wedding: { kind: 'other', kindSource: 'inferred' }, title: 'Day off', categories: [] });
    const body = eventToGraph(allDay);
    expect(body).toMatchObject({ isAllDay: true, start: { dateTime: '2026-06-20T00:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-06-21T00:00:00' } });
    expect(eventFromGraph(asStored('e2', body)).end).toEqual({ kind: 'date', date: '2026-06-21' });
    expect(timeToGraph({ kind: 'utc', utc: '2026-06-20T10:00:00Z' })).toEqual({ dateTime: '2026-06-20T10:00:00', timeZone: 'UTC' });
    expect(timeToGraph({ kind: 'floating', local: '2026-06-20T10:00:00' }, 'Europe/Paris')).toEqual({ dateTime: '2026-06-20T10:00:00', timeZone: 'Romance Standard Time' });
    // A zone with no name Graph knows goes out as its instant in UTC.
    expect(timeToGraph({ kind: 'zoned', local: '2026-06-20T10:00:00', tzid: 'Nowhere/Special' })).toEqual({ dateTime: '2026-06-20T10:00:00', timeZone: 'UTC' });
  });

  it('writes kept HTML back while the text is unchanged, plain text once it changed', () => {
    const fromGraph = eventFromGraph(single);
    expect(fieldsToGraph(fromGraph).body).toEqual({ contentType: 'html', content: single.body?.content });
    expect(fieldsToGraph({ ...fromGraph, description: 'New notes' }).body).toEqual({ contentType: 'text', content: 'New notes' });
    expect(fieldsToGraph(fromGraph)).toMatchObject({ importance: 'high', reminderMinutesBeforeStart: 30 });
    expect(eventFromGraph({ ...single, isReminderOn: false }).extra?.provider?.graph).toMatchObject({ isReminderOn: false });
  });

  it('round-trips a recurring series rule', () => {
    const event = hubEvent({ recurrence: { rrules: ['FREQ=WEEKLY;INTERVAL=2;BYDAY=WE,FR'], rdates: [], exdates: [] } });
    const body = eventToGraph(event);
    expect(body.recurrence?.pattern).toEqual({ type: 'weekly', interval: 2, daysOfWeek: ['wednesday', 'friday'], firstDayOfWeek: 'monday' });
    expect(eventFromGraph(asStored('e3', body)).recurrence?.rrules).toEqual(['FREQ=WEEKLY;INTERVAL=2;BYDAY=WE,FR']);
  });

  it.each([
    ['FREQ=DAILY;BYHOUR=9,17', { rrules: ['FREQ=DAILY;BYHOUR=9,17'], rdates: [], exdates: [] }],
    ['two RRULEs', { rrules: ['FREQ=WEEKLY', 'FREQ=MONTHLY'], rdates: [], exdates: [] }],
    ['RDATE', { rrules: ['FREQ=WEEKLY'], rdates: [{ kind: 'date', date: '2026-07-01' }], exdates: [] }],
  ] as const)('refuses an unsupported recurrence (%s) with a typed error, leaving the event intact', (_name, recurrence) => {
    const event = hubEvent({ recurrence: structuredClone(recurrence) as unknown as CalendarEvent['recurrence'] });
    const before = structuredClone(event);
    try {
      eventToGraph(event);
      expect.unreachable();
    } catch (err) {
      expect(isCalsyncError(err) && err.code).toBe('PROVIDER_REJECTED');
      expect(isCalsyncError(err) && err.details?.reason).toBe('unsupportedRecurrence');
    }
    expect(event).toEqual(before);
  });

  it('reads the hub id case-insensitively and ignores other properties', () => {
    expect(hubIdOf({ id: 'a', singleValueExtendedProperties: [{ id: UID_PROPERTY, value: 'u' }] })).toBeUndefined();
    expect(htmlToText('<p>a&nbsp;b &#x41;&#66; &unknown;</p><br/>c')).toBe('a b AB &unknown;\n\nc');
  });
});
