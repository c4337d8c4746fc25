import { describe, expect, it } from 'vitest';
import { expandOccurrences, parseIcal } from '../../src/ical/index.js';
import type { CalendarEvent } from '../../src/model/event.js';
import { toInstantMs } from '../../src/model/time.js';
import { fixture, vevent } from './helpers.js';

const YEAR_2026 = { from: Date.UTC(2026, 0, 1), to: Date.UTC(2027, 0, 1) };

function series(rule: string, start = 'DTSTART;TZID=Europe/London:20260105T100000', end = 'DTEND;TZID=Europe/London:20260105T110000'): CalendarEvent {
  return parseIcal(vevent('UID:s', start, end, `RRULE:${rule}`)).items[0]!.event;
}

describe('expandOccurrences', () => {
  it('expands a zoned weekly series in wall-clock time across DST', () => {
    const { occurrences, truncated } = expandOccurrences(series('FREQ=WEEKLY;COUNT=14'), YEAR_2026);
    expect(truncated).toBeUndefined();
    expect(occurrences).toHaveLength(14);
    const last = occurrences[13]!;
    expect(last.start).toEqual({ kind: 'zoned', local: '2026-04-06T10:00:00', tzid: 'Europe/London', iana: 'Europe/London' });
    expect(toInstantMs(last.start)).toBe(Date.UTC(2026, 3, 6, 9, 0, 0));
    expect(last.end).toEqual({ kind: 'zoned', local: '2026-04-06T11:00:00', tzid: 'Europe/London', iana: 'Europe/London' });
  });
  it('compares a UTC UNTIL with zoned occurrences by instant', () => {
    // 2026-04-06 10:00 BST is 09:00Z: included at exactly UNTIL, excluded one second earlier.
    expect(expandOccurrences(series('FREQ=WEEKLY;UNTIL=20260406T090000Z'), YEAR_2026).occurrences).toHaveLength(14);
    expect(expandOccurrences(series('FREQ=WEEKLY;UNTIL=20260406T085959Z'), YEAR_2026).occurrences).toHaveLength(13);
  });
  it('applies EXDATEs and overrides from a real series', () => {
    const event = parseIcal(fixture('google-recurring-override.ics')).items[0]!.event;
    const { occurrences } = expandOccurrences(event, YEAR_2026);
    const locals = occurrences.map((o) => (o.start.kind === 'zoned' ? o.start.local : ''));
    expect(locals).toEqual(['2026-03-02T09:00:00', '2026-03-09T09:00:00', '2026-03-24T11:00:00', '2026-03-30T09:00:00', '2026-04-13T09:00:00', '2026-04-20T09:00:00', '2026-04-27T09:00:00']);
    const moved = occurrences[2]!;
    expect(moved.override?.title).toBe('Planning meeting with the couple (moved)');
    expect(moved.recurrenceId).toMatchObject({ local: '2026-03-23T09:00:00' });
  });
  it('expands all-day and floating series, RDATEs included', () => {
    const allDay = parseIcal(fixture('all-day.ics')).items[2]!.event;
    const days = expandOccurrences(allDay, { from: Date.UTC(2025, 0, 1), to: Date.UTC(2028, 0, 1) }).occurrences;
    expect(days[0]!.end).toEqual({ kind: 'date', date: '2026-01-04' });
    expect(days.map((o) => (o.start.kind === 'date' ? o.start.date : ''))).toEqual(['2026-01-01', '2027-01-01']);
    const floating = parseIcal(vevent('UID:f', 'DTSTART:20260101T090000', 'DURATION:PT1H', 'RRULE:FREQ=DAILY;COUNT=2', 'RDATE:20260110T090000')).items[0]!.event;
    const occ = expandOccurrences(floating, YEAR_2026).occurrences;
    expect(occ.map((o) => o.start)).toEqual([
      { kind: 'floating', local: '2026-01-01T09:00:00' },
      { kind: 'floating', local: '2026-01-02T09:00:00' },
      { kind: 'floating', local: '2026-01-10T09:00:00' },
    ]);
    expect(occ[2]!.end).toEqual({ kind: 'floating', local: '2026-01-10T10:00:00' });
  });
  it('gives a single event one occurrence, inside the window only', () => {
    const single = parseIcal(vevent('UID:one', 'DTSTART:20260301T100000Z', 'DTEND:20260301T110000Z')).items[0]!.event;
    expect(expandOccurrences(single, YEAR_2026).occurrences).toEqual([
      { recurrenceId: single.start, start: single.start, end: { kind: 'utc', utc: '2026-03-01T11:00:00Z' } },
    ]);
    expect(expandOccurrences(single, { from: Date.UTC(2027, 0, 1), to: Date.UTC(2028, 0, 1) }).occurrences).toEqual([]);
  });

  describe('is bounded whatever the rule', () => {
    it.each([
      ['COUNT=10^9', 'FREQ=DAILY;COUNT=1000000000', 361, undefined],
      ['FREQ=SECONDLY', 'FREQ=SECONDLY', 1000, 'max'],
      ['a BYSECOND flood', `FREQ=MINUTELY;BYSECOND=${Array.from({ length: 60 }, (_, i) => i).join(',')}`, 1000, 'max'],
      ['an impossible daily rule', 'FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31', 1, 'budget'],
      ['an impossible secondly rule', 'FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=30', 1, 'budget'],
    ])('%s', (_name, rule, count, truncated) => {
      const result = expandOccurrences(series(rule), { ...YEAR_2026, budget: 20_000 });
      expect(result.occurrences).toHaveLength(count);
      expect(result.truncated).toBe(truncated);
    });
    it('honours a small max and reports it', () => {
      const result = expandOccurrences(series('FREQ=DAILY'), { ...YEAR_2026, max: 3 });
      expect(result.occurrences).toHaveLength(3);
      expect(result.truncated).toBe('max');
    });
    it('reports a rule it cannot read', () => {
      const e = series('FREQ=DAILY;COUNT=2');
      const broken = { ...e, recurrence: { rrules: ['FREQ=NEVER'], rdates: [], exdates: [] } };
      const result = expandOccurrences(broken, YEAR_2026);
      expect(result.truncated).toBe('invalid-rule');
      expect(result.occurrences).toHaveLength(1);
    });
    it('stops at a degenerate rule ical.js refuses mid-way', () => {
      const result = expandOccurrences(series('FREQ=DAILY;INTERVAL=0;COUNT=5'), YEAR_2026);
      expect(result.occurrences.length).toBeGreaterThanOrEqual(1);
      expect(result.occurrences.length).toBeLessThanOrEqual(5);
    });
  });
});
