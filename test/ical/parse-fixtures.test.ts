/** Golden tests: one fixture per real-world dialect, with the model it must produce. */
import { describe, expect, it } from 'vitest';
import { parseIcal, roundTripIcal, serializeIcal } from '../../src/ical/index.js';
import { toInstantMs } from '../../src/model/time.js';
import { fixture, ics } from './helpers.js';

const only = (name: string) => {
  const parsed = parseIcal(fixture(name));
  expect(parsed.items).toHaveLength(1);
  return { parsed, item: parsed.items[0]!, event: parsed.items[0]!.event };
};

describe('Outlook: Windows TZID, CDO busy status, attendees', () => {
  it('maps every modelled field', () => {
    const { event, parsed } = only('outlook-windows-tzid.ics');
    expect(event.title).toBe('Venue visit – Smith/Jones');
    expect(event.description).toBe('Final walk-through of the ceremony room.\nBring the seating plan.');
    expect(event.location).toBe('Schloss Elmau');
    expect(event.start).toEqual({ kind: 'zoned', local: '2026-06-12T14:00:00', tzid: 'W. Europe Standard Time', iana: 'Europe/Berlin' });
    expect(toInstantMs(event.start)).toBe(Date.UTC(2026, 5, 12, 12, 0, 0));
    expect(event.status).toBe('confirmed');
    expect(event.sensitivity).toBe('normal');
    expect(event.transparency).toBe('opaque');
    expect(event.showAs).toBe('tentative');
    expect(event.sequence).toBe(2);
    expect(event.organizer).toEqual({ email: 'anna@weddings.example', name: 'Anna Planner' });
    expect(event.attendees).toEqual([
      { email: 'ben@florist.example', name: 'Ben Florist', role: 'required', status: 'needs-action', rsvp: true },
      { email: 'cara@venue.example', name: 'Cara Venue', role: 'optional', status: 'accepted', rsvp: false },
    ]);
    expect(event.wedding).toEqual({ kind: 'venue_visit', kindSource: 'inferred' });
    expect(event.extra?.params).toMatchObject({ summary: { language: 'en-GB' }, location: { language: 'en-GB' } });
    expect(event.extra?.properties?.map((p) => (p as unknown[])[0])).toEqual(expect.arrayContaining(['x-microsoft-cdo-importance', 'priority', 'dtstamp']));
    expect(event.extra?.components).toHaveLength(1);
    expect(parsed.timezones.has('W. Europe Standard Time')).toBe(true);
    expect(parsed.properties.map((p) => p[0])).toEqual(['method', 'prodid', 'version']);
  });
  it('round-trips without loss', () => {
    expect(roundTripIcal(fixture('outlook-windows-tzid.ics')).differences).toEqual([]);
  });
});

describe('Apple: X-APPLE properties, VALARMs, ATTACH', () => {
  it('keeps unmodelled properties and alarms verbatim', () => {
    const { event } = only('apple-xprops-valarm.ics');
    expect(event.title).toBe('Wedding ceremony');
    expect(event.location).toBe("St Mary's Church\nHigh Street\nOxford");
    expect(event.categories).toEqual(['Wedding', 'Smith']);
    expect(event.created).toBe('2026-03-01T10:15:00Z');
    expect(event.lastModified).toBe('2026-03-10T08:30:00Z');
    expect(event.wedding.kind).toBe('ceremony');
    const names = (event.extra?.properties ?? []).map((p) => (p as unknown[])[0]);
    expect(names).toEqual(expect.arrayContaining(['x-apple-travel-advisory-behavior', 'x-apple-structured-location', 'attach']));
    const loc = (event.extra?.properties ?? []).find((p) => (p as unknown[])[0] === 'x-apple-structured-location') as unknown[];
    expect(loc[1]).toEqual({ 'x-address': 'High Street, Oxford', 'x-apple-radius': '70.5', 'x-title': "St Mary's Church" });
    expect((event.extra?.components ?? []).map((c) => (c as unknown[])[0])).toEqual(['valarm', 'valarm']);
  });
  it('round-trips without loss and writes the alarms back', () => {
    const rt = roundTripIcal(fixture('apple-xprops-valarm.ics'));
    expect(rt.differences).toEqual([]);
    expect(rt.output).toContain('X-APPLE-DEFAULT-ALARM:TRUE');
    // Parameter order and needless quotes may change; the values may not.
    const line = rt.output.replace(/\r\n /g, '').split('\r\n').find((l) => l.startsWith('X-APPLE-STRUCTURED-LOCATION'));
    expect(line).toContain('X-ADDRESS="High Street, Oxford"');
    expect(line).toContain('VALUE=URI');
    expect(line?.endsWith(':geo:51.752,-1.257')).toBe(true);
  });
});

describe('Google: recurring series with an override and EXDATEs', () => {
  it('groups the override under the master', () => {
    const { event } = only('google-recurring-override.ics');
    expect(event.recurrence).toEqual({
      rrules: ['FREQ=WEEKLY;UNTIL=20260427T130000Z;BYDAY=MO'],
      rdates: [],
      exdates: [
        { kind: 'zoned', local: '2026-03-16T09:00:00', tzid: 'America/New_York', iana: 'America/New_York' },
        { kind: 'zoned', local: '2026-04-06T09:00:00', tzid: 'America/New_York', iana: 'America/New_York' },
      ],
    });
    expect(event.description).toBe('');
    expect(event.overrides).toHaveLength(1);
    const o = event.overrides[0]!;
    expect(o.recurrenceId).toEqual({ kind: 'zoned', local: '2026-03-23T09:00:00', tzid: 'America/New_York', iana: 'America/New_York' });
    expect(o.start.kind === 'zoned' && o.start.local).toBe('2026-03-24T11:00:00');
    expect(o.title).toBe('Planning meeting with the couple (moved)');
    expect(o.sequence).toBe(1);
    expect(event.wedding.kind).toBe('client_meeting');
  });
  it('round-trips without loss', () => {
    expect(roundTripIcal(fixture('google-recurring-override.ics')).differences).toEqual([]);
  });
});

describe('all-day, floating, DURATION, LF and blank lines', () => {
  it('reads DATE values, a missing DTEND and DURATION on a date', () => {
    const { items } = parseIcal(fixture('all-day.ics'));
    expect(items.map((i) => [i.event.start, i.event.end])).toEqual([
      [
        { kind: 'date', date: '2026-06-20' },
        { kind: 'date', date: '2026-06-22' },
      ],
      [{ kind: 'date', date: '2026-06-01' }, undefined],
      [
        { kind: 'date', date: '2026-01-01' },
        { kind: 'date', date: '2026-01-04' },
      ],
    ]);
    expect(roundTripIcal(fixture('all-day.ics')).output).toContain('DURATION:P3D');
  });
  it('reads floating times and DURATION', () => {
    const { items } = parseIcal(fixture('floating-lf-blank-lines.ics'));
    expect(items[0]!.event.start).toEqual({ kind: 'floating', local: '2026-06-20T09:00:00' });
    expect(items[0]!.event.end).toEqual({ kind: 'floating', local: '2026-06-20T11:30:00' });
    expect(items[1]!.event.end).toBeUndefined();
    expect(items[0]!.event.wedding.kind).toBe('wedding_day_timeline');
  });
  it.each(['all-day.ics', 'floating-lf-blank-lines.ics'])('%s round-trips without loss', (name) => {
    expect(roundTripIcal(fixture(name)).differences).toEqual([]);
  });
});

describe('time zones named in other dialects', () => {
  it('uses a custom non-ASCII VTIMEZONE, a libical path and flags an unknown zone', () => {
    const { items } = parseIcal(fixture('non-ascii-tzid.ics'));
    const [custom, libical, unknown] = items;
    // A custom zone is matched to the IANA zone with the same offsets, preferring a city in its name.
    expect(custom!.event.start).toEqual({ kind: 'zoned', local: '2026-07-10T16:00:00', tzid: 'Zürich Sommerzeit', iana: 'Europe/Zurich' });
    expect(toInstantMs(custom!.event.start)).toBe(Date.UTC(2026, 6, 10, 14, 0, 0));
    expect(custom!.problems).toEqual([]);
    // The custom zone's definition travels with the event, so it can be written without the source.
    expect(JSON.stringify(custom!.event.extra?.provider)).toContain('Zürich Sommerzeit');
    expect(libical!.event.start).toMatchObject({ iana: 'Europe/London' });
    expect(toInstantMs(libical!.event.start)).toBe(Date.UTC(2026, 6, 10, 15, 0, 0));
    expect(unknown!.event.start).toEqual({ kind: 'zoned', local: '2026-07-10T16:00:00', tzid: 'Mars/Olympus_Mons' });
    expect(unknown!.problems.map((p) => p.code)).toEqual(['UNKNOWN_TZID']);
  });
  it('round-trips without loss', () => {
    expect(roundTripIcal(fixture('non-ascii-tzid.ics')).differences).toEqual([]);
  });
});

describe('folding with multibyte characters and a BOM', () => {
  it('unfolds into the exact text', () => {
    const { event } = only('folding-multibyte.ics');
    expect(event.title).toBe('Trauung 💍 im Schlossgarten');
    expect(event.description).toBe('Zeremonie im Schlossgarten 💍 – Trauzeugen: Jürgen & Zoë; Blumen: Pfingstrosen 🌸🌸, Menü: Crème brûlée. '.repeat(3));
  });
  it('round-trips without loss', () => {
    expect(roundTripIcal(fixture('folding-multibyte.ics')).differences).toEqual([]);
  });
});

describe('a resource with overrides and no master', () => {
  it('is explicit about the synthetic master', () => {
    const { item, event } = only('masterless-overrides.ics');
    expect(item.masterless).toBe(true);
    expect(item.problems.map((p) => p.code)).toEqual(['MASTERLESS']);
    expect(event.overrides.map((o) => o.recurrenceId)).toEqual([
      { kind: 'utc', utc: '2026-06-05T09:00:00Z' },
      { kind: 'utc', utc: '2026-06-12T09:00:00Z' },
    ]);
    expect(event.overrides[0]!.status).toBe('cancelled');
    expect(event.title).toBe('Rehearsal');
  });
  it('writes only the overrides back', () => {
    const rt = roundTripIcal(fixture('masterless-overrides.ics'));
    expect(rt.differences).toEqual([]);
    expect(rt.output.match(/BEGIN:VEVENT/g)).toHaveLength(2);
    expect(rt.output.match(/RECURRENCE-ID/g)).toHaveLength(2);
  });
});

describe('calsync wedding properties', () => {
  it('reads the WedSync kind, wedding id and date, emergency and hub id', () => {
    const { item, event } = only('calsync-wedding.ics');
    expect(item.hubId).toBe('9f1c2d3e');
    expect(event.wedding).toEqual({ kind: 'wedding_day_timeline', kindSource: 'wedsync', weddingId: 'w-42', weddingDate: '2026-06-20', emergency: true });
    expect(event.extra?.properties?.some((p) => String((p as unknown[])[0]).startsWith('x-calsync'))).toBe(false);
  });
  it('round-trips without loss', () => {
    expect(roundTripIcal(fixture('calsync-wedding.ics')).differences).toEqual([]);
  });
});

describe('custom zones without an IANA name', () => {
  it('matches an Outlook display-name zone to an IANA zone and keeps its VTIMEZONE with the event', () => {
    const text = fixture('outlook-windows-tzid.ics')
      .replaceAll('TZID=W. Europe Standard Time', 'TZID="(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna"')
      .replaceAll('TZID:W. Europe Standard Time', 'TZID:(UTC+01:00) Amsterdam\\, Berlin\\, Bern\\, Rome\\, Stockholm\\, Vienna');
    const { items } = parseIcal(text);
    const start = items[0]!.event.start;
    expect(start.kind === 'zoned' && ['Europe/Berlin', 'Europe/Amsterdam', 'Europe/Rome', 'Europe/Stockholm', 'Europe/Vienna', 'Europe/Zurich'].includes(start.iana ?? '')).toBe(true);
    expect(toInstantMs(start)).toBe(Date.UTC(2026, 5, 12, 12, 0, 0));
    expect(roundTripIcal(text).differences).toEqual([]);
    const alone = serializeIcal([items[0]!.event]);
    expect(alone).toContain('DTSTART:16010101T030000');
  });
  it('computes a zone no IANA zone matches from its own rules, without a problem', () => {
    const text = ics(
      'BEGIN:VCALENDAR',
      'BEGIN:VTIMEZONE',
      'TZID:Odd Zone',
      'BEGIN:STANDARD',
      'DTSTART:19700101T000000',
      'TZOFFSETFROM:+0123',
      'TZOFFSETTO:+0123',
      'END:STANDARD',
      'END:VTIMEZONE',
      'BEGIN:VEVENT',
      'UID:odd',
      'DTSTART;TZID=Odd Zone:20260101T120000',
      'END:VEVENT',
      'END:VCALENDAR',
    );
    const item = parseIcal(text).items[0]!;
    expect(item.event.start).toEqual({ kind: 'zoned', local: '2026-01-01T12:00:00', tzid: 'Odd Zone' });
    expect(item.problems).toEqual([]);
    expect(toInstantMs(item.event.start)).toBe(Date.UTC(2026, 0, 1, 10, 37, 0));
  });
});
