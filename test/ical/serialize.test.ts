import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { CALSYNC_PRODID, parseIcal, serializeIcal } from '../../src/ical/index.js';
import { foldLine } from '../../src/ical/lines.js';
import { generateVtimezone, transitions } from '../../src/ical/vtimezone.js';
import { ValidationError } from '../../src/errors.js';
import type { CalendarEvent } from '../../src/model/event.js';
import { zoneOffsetMs } from '../../src/model/time.js';
import { ManualClock } from '../../src/util/clock.js';
import { fixture } from './helpers.js';

function event(over: Partial<CalendarEvent> = {}): CalendarEvent {
  return {
    uid: 'evt-1@calsync',
    title: 'Ceremony',
    start: { kind: 'zoned', local: '2026-06-20T14:00:00', tzid: 'Europe/London', iana: 'Europe/London' },
    end: { kind: 'zoned', local: '2026-06-20T15:00:00', tzid: 'Europe/London', iana: 'Europe/London' },
    attendees: [],
    categories: [],
    sequence: 0,
    overrides: [],
    wedding: { kind: 'ceremony', kindSource: 'inferred' },
    ...over,
  };
}

const lines = (text: string): string[] => text.split('\r\n');

describe('foldLine', () => {
  it('keeps every physical line within 75 octets, continuation space included', () => {
    const long = `DESCRIPTION:${'ab€😀ü'.repeat(60)}`;
    const folded = foldLine(long);
    for (const l of folded.split('\r\n')) expect(Buffer.byteLength(l, 'utf8')).toBeLessThanOrEqual(75);
    expect(folded.replace(/\r\n /g, '')).toBe(long);
    // No UTF-8 sequence is split: every physical line is valid UTF-8 on its own.
    for (const l of folded.split('\r\n')) expect(Buffer.from(Buffer.from(l, 'utf8').toString('utf8'), 'utf8').equals(Buffer.from(l, 'utf8'))).toBe(true);
  });
  it('folds ASCII at exactly 75 and 74+1 octets', () => {
    const folded = foldLine('X'.repeat(75 + 74 + 10)).split('\r\n');
    expect(folded.map((l) => l.length)).toEqual([75, 75, 11]);
    expect(foldLine('short')).toBe('short');
  });
});

describe('serializeIcal', () => {
  it('writes one VCALENDAR with our PRODID, CRLF lines and a DTSTAMP from the clock', () => {
    const text = serializeIcal([event()], { clock: new ManualClock(Date.UTC(2026, 0, 2, 3, 4, 5)) });
    expect(text.startsWith('BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:' + CALSYNC_PRODID + '\r\n')).toBe(true);
    expect(text.endsWith('END:VCALENDAR\r\n')).toBe(true);
    expect(text).not.toMatch(/[^\r]\n/);
    expect(text).toContain('DTSTAMP:20260102T030405Z');
    expect(text).toContain('SEQUENCE:0');
  });
  it('generates a VTIMEZONE for an IANA zone that agrees with Intl', () => {
    const text = serializeIcal([event()]);
    expect(text).toContain('BEGIN:VTIMEZONE\r\nTZID:Europe/London');
    const vtz = new ICAL.Component(ICAL.parse(text)).getFirstSubcomponent('vtimezone')!;
    const zone = new ICAL.Timezone(vtz);
    for (const iso of ['2025-01-15T12:00:00', '2025-07-15T12:00:00', '2026-03-29T03:00:00', '2026-10-26T12:00:00', '2027-08-01T00:00:00']) {
      const t = ICAL.Time.fromDateTimeString(iso);
      t.zone = zone;
      const local = Date.parse(`${iso}Z`);
      expect(zone.utcOffset(t) * 1000).toBe(zoneOffsetMs('Europe/London', local - zone.utcOffset(t) * 1000));
    }
  });
  it('names a Windows TZID and keeps it, with the rules of its IANA zone', () => {
    const start = { kind: 'zoned' as const, local: '2026-06-20T14:00:00', tzid: 'W. Europe Standard Time', iana: 'Europe/Berlin' };
    const text = serializeIcal([event({ start, end: undefined })]);
    expect(text).toContain('TZID:W. Europe Standard Time');
    expect(text).toContain('X-LIC-LOCATION:Europe/Berlin');
    expect(text).toContain('DTSTART;TZID=W. Europe Standard Time:20260620T140000');
    expect(text).not.toContain('DTEND');
  });
  it('writes no VTIMEZONE observances for UTC aliases beyond a fixed one and none for utc times', () => {
    expect(serializeIcal([event({ start: { kind: 'utc', utc: '2026-06-20T14:00:00Z' }, end: undefined })])).not.toContain('VTIMEZONE');
    const gmt = serializeIcal([event({ start: { kind: 'zoned', local: '2026-06-20T14:00:00', tzid: 'GMT' }, end: undefined })]);
    expect(gmt).toContain('TZOFFSETTO:+0000');
  });
  it('prefers the VTIMEZONE passed in, then one kept with the event', () => {
    const parsed = parseIcal(fixture('outlook-windows-tzid.ics'));
    const withSource = serializeIcal(parsed.items.map((i) => i.event), { timezones: parsed.timezones });
    expect(withSource).toContain('DTSTART:16010101T030000');
    const custom = parseIcal(fixture('non-ascii-tzid.ics')).items[0]!.event;
    const alone = serializeIcal([custom]);
    expect(alone).toContain('TZID:Zürich Sommerzeit');
    expect(alone).toContain('DTSTART:19701025T030000');
  });
  it('writes the hub id on the master, and the wedding fields', () => {
    const e = event({ wedding: { kind: 'reception', kindSource: 'wedsync', weddingId: 'w 1, b', weddingDate: '2026-06-20', emergency: false } });
    const text = serializeIcal([e], { hubId: 'hub-1' });
    expect(text).toContain('X-CALSYNC-HUB-ID:hub-1');
    expect(text).toContain('X-CALSYNC-KIND:reception');
    expect(text).toContain('X-CALSYNC-WEDDING-ID:w 1, b');
    expect(text).toContain('X-CALSYNC-EMERGENCY:FALSE');
    const back = parseIcal(text).items[0]!;
    expect(back.hubId).toBe('hub-1');
    expect(back.event.wedding).toEqual(e.wedding);
  });
  it('escapes wedding ids with line breaks as TEXT', () => {
    const e = event({ wedding: { kind: 'other', kindSource: 'inferred', weddingId: 'a\nb' } });
    const text = serializeIcal([e]);
    expect(text).toContain('X-CALSYNC-WEDDING-ID;VALUE=TEXT:a\\nb');
    expect(parseIcal(text).items[0]!.event.wedding.weddingId).toBe('a\nb');
  });
  it('writes a changed end as DTEND instead of the source DURATION', () => {
    const e = parseIcal(fixture('floating-lf-blank-lines.ics')).items[0]!.event;
    expect(serializeIcal([e])).toContain('DURATION:PT2H30M');
    const moved = serializeIcal([{ ...e, end: { kind: 'floating', local: '2026-06-20T12:00:00' } }]);
    expect(moved).not.toContain('DURATION');
    expect(moved).toContain('DTEND:20260620T120000');
  });
  it('refuses an RRULE it cannot write with a typed error', () => {
    expect(() => serializeIcal([event({ recurrence: { rrules: ['FREQ=SOMETIMES'], rdates: [], exdates: [] } })])).toThrow(ValidationError);
  });
  it('groups RDATE/EXDATE by value type and zone, and writes calendar properties and components back', () => {
    const e = event({
      recurrence: {
        rrules: ['FREQ=DAILY;COUNT=5'],
        rdates: [{ kind: 'date', date: '2026-07-01' }, { kind: 'utc', utc: '2026-07-02T10:00:00Z' }, { kind: 'date', date: '2026-07-03' }],
        exdates: [{ kind: 'floating', local: '2026-06-21T14:00' }],
      },
    });
    const text = serializeIcal([e], { calendar: { properties: [['x-wr-calname', {}, 'unknown', 'Weddings']], components: [['vtodo', [['uid', {}, 'text', 'todo-1']], []]] } });
    expect(text).toContain('RDATE;VALUE=DATE:20260701,20260703');
    expect(text).toContain('RDATE:20260702T100000Z');
    expect(text).toContain('EXDATE:20260621T140000');
    expect(text).toContain('X-WR-CALNAME:Weddings');
    expect(text).toContain('BEGIN:VTODO\r\nUID:todo-1\r\nEND:VTODO');
    expect(lines(text).filter((l) => l === 'BEGIN:VCALENDAR')).toHaveLength(1);
  });
  it('writes attendee roles, resources and statuses', () => {
    const e = event({
      organizer: { email: 'planner@example.com' },
      attendees: [
        { email: 'room@example.com', role: 'resource' },
        { email: 'chair@example.com', role: 'chair', status: 'delegated' },
        { email: 'np@example.com', role: 'non-participant', status: 'declined' },
      ],
      transparency: 'transparent',
      showAs: 'workingElsewhere',
      sensitivity: 'personal',
      status: 'tentative',
    });
    const back = parseIcal(serializeIcal([e])).items[0]!.event;
    expect(back.attendees).toEqual(e.attendees);
    expect(back.organizer).toEqual(e.organizer);
    expect([back.transparency, back.showAs, back.sensitivity, back.status]).toEqual(['transparent', 'workingElsewhere', 'personal', 'tentative']);
  });
});

describe('generateVtimezone', () => {
  it('compresses yearly rules into open RRULEs', () => {
    const vtz = generateVtimezone('America/New_York', 'America/New_York', 2025, 2027);
    const rules = vtz[2].map((o) => o[1].find((p) => p[0] === 'rrule')?.[3]).filter(Boolean);
    expect(rules).toEqual([
      { freq: 'YEARLY', bymonth: 3, byday: '2SU' },
      { freq: 'YEARLY', bymonth: 11, byday: '1SU' },
    ]);
  });
  it('closes a rule that ended with UNTIL and lists one-off changes', () => {
    // Europe/Moscow: DST until 2010, permanent +04:00 from March 2011, +03:00 from October 2014.
    const vtz = generateVtimezone('Europe/Moscow', 'Europe/Moscow', 2009, 2016);
    const text = ICAL.stringify(vtz);
    expect(text).toContain('UNTIL=');
    expect(text).toContain('TZOFFSETTO:+0300');
    const zone = new ICAL.Timezone(new ICAL.Component(vtz));
    const t = ICAL.Time.fromDateTimeString('2015-06-01T12:00:00');
    t.zone = zone;
    expect(zone.utcOffset(t)).toBe(3 * 3600);
  });
  it('finds no transitions in a zone without DST', () => {
    expect(transitions('Asia/Tokyo', Date.UTC(2020, 0, 1), Date.UTC(2022, 0, 1))).toEqual([]);
  });
});
