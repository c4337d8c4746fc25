import { describe, expect, it } from 'vitest';
import type { EventTime } from '../../src/model/event.js';
import type { GraphPatternedRecurrence } from '../../src/providers/graph/graph-types.js';
import { rruleFromGraph } from '../../src/providers/graph/mapping/recurrence-from-graph.js';
import { recurrenceToGraph, supportsRecurrence } from '../../src/providers/graph/mapping/recurrence-to-graph.js';

const london = (local: string): EventTime => ({ kind: 'zoned', local, tzid: 'GMT Standard Time', iana: 'Europe/London' });
const range = (startDate: string, extra: Partial<GraphPatternedRecurrence['range']> = {}): GraphPatternedRecurrence['range'] => ({
  type: 'noEnd',
  startDate,
  recurrenceTimeZone: 'GMT Standard Time',
  ...extra,
});

describe('patternedRecurrence ⇄ RRULE', () => {
  // [name, Graph recurrence, DTSTART, expected RRULE]; every row is also written back and compared.
  const rows: [string, GraphPatternedRecurrence, EventTime, string][] = [
    ['daily', { pattern: { type: 'daily', interval: 1 }, range: range('2026-06-01') }, london('2026-06-01T09:00:00'), 'FREQ=DAILY'],
    [
      'daily every 3 days, 10 times',
      { pattern: { type: 'daily', interval: 3 }, range: range('2026-06-01', { type: 'numbered', numberOfOccurrences: 10 }) },
      london('2026-06-01T09:00:00'),
      'FREQ=DAILY;INTERVAL=3;COUNT=10',
    ],
    [
      'weekly on the start day (BYDAY left implicit)',
      { pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'], firstDayOfWeek: 'monday' }, range: range('2026-06-01') },
      london('2026-06-01T09:00:00'),
      'FREQ=WEEKLY',
    ],
    [
      'fortnightly Mon+Wed with Sunday weeks, until a date',
      {
        pattern: { type: 'weekly', interval: 2, daysOfWeek: ['monday', 'wednesday'], firstDayOfWeek: 'sunday' },
        range: range('2026-06-01', { type: 'endDate', endDate: '2026-08-31' }),
      },
      london('2026-06-01T09:00:00'),
      // 23:59:59 London summer time is 22:59:59Z.
      'FREQ=WEEKLY;INTERVAL=2;UNTIL=20260831T225959Z;BYDAY=MO,WE;WKST=SU',
    ],
    [
      'absolute monthly on the 15th',
      { pattern: { type: 'absoluteMonthly', interval: 1, dayOfMonth: 15 }, range: range('2026-06-15') },
      london('2026-06-15T09:00:00'),
      'FREQ=MONTHLY',
    ],
    [
      'relative monthly: second Tuesday',
      { pattern: { type: 'relativeMonthly', interval: 1, daysOfWeek: ['tuesday'], index: 'second' }, range: range('2026-06-09') },
      london('2026-06-09T09:00:00'),
      'FREQ=MONTHLY;BYDAY=2TU',
    ],
    [
      'relative monthly: last weekday',
      {
        pattern: { type: 'relativeMonthly', interval: 1, daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'], index: 'last' },
        range: range('2026-06-30'),
      },
      london('2026-06-30T09:00:00'),
      'FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1',
    ],
    [
      'absolute yearly, all-day, until a date',
      { pattern: { type: 'absoluteYearly', interval: 1, month: 6, dayOfMonth: 20 }, range: range('2026-06-20', { type: 'endDate', endDate: '2030-06-20' }) },
      { kind: 'date', date: '2026-06-20' },
      'FREQ=YEARLY;UNTIL=20300620',
    ],
    [
      'relative yearly: last Saturday of September every 2 years',
      { pattern: { type: 'relativeYearly', interval: 2, month: 9, daysOfWeek: ['saturday'], index: 'last' }, range: range('2026-09-26') },
      london('2026-09-26T14:00:00'),
      'FREQ=YEARLY;INTERVAL=2;BYMONTH=9;BYDAY=-1SA',
    ],
  ];

  it.each(rows)('%s', (_name, graph, start, rrule) => {
    expect(rruleFromGraph(graph, start)).toBe(rrule);
    expect(supportsRecurrence(rrule)).toBe(true);
    const back = recurrenceToGraph(rrule, start, 'GMT Standard Time');
    expect(back.ok).toBe(true);
    if (!back.ok) return;
    // Written back, the rule reads as the same text again (no drift across round trips).
    expect(rruleFromGraph(back.recurrence, start)).toBe(rrule);
    expect(back.recurrence.pattern.type).toBe(graph.pattern.type);
    expect(back.recurrence.range.type).toBe(graph.range.type);
    expect(back.recurrence.range.endDate ?? null).toBe(graph.range.endDate ?? null);
  });

  it('writes implicit parts from DTSTART', () => {
    const weekly = recurrenceToGraph('FREQ=WEEKLY', london('2026-06-03T09:00:00'), 'GMT Standard Time');
    expect(weekly).toMatchObject({ ok: true, recurrence: { pattern: { type: 'weekly', daysOfWeek: ['wednesday'], firstDayOfWeek: 'monday' } } });
    const yearly = recurrenceToGraph('FREQ=YEARLY', london('2026-06-20T09:00:00'), 'GMT Standard Time');
    expect(yearly).toMatchObject({ ok: true, recurrence: { pattern: { type: 'absoluteYearly', month: 6, dayOfMonth: 20 } } });
    const weekdays = recurrenceToGraph('FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR', london('2026-06-01T09:00:00'), 'GMT Standard Time');
    expect(weekdays).toMatchObject({ ok: true, recurrence: { pattern: { type: 'weekly', daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'] } } });
  });

  it('maps UNTIL earlier in the day than the series to the previous date', () => {
    const result = recurrenceToGraph('FREQ=DAILY;UNTIL=20260610T070000Z', london('2026-06-01T09:00:00'), 'GMT Standard Time');
    expect(result).toMatchObject({ ok: true, recurrence: { range: { type: 'endDate', endDate: '2026-06-09' } } });
  });

  const unsupported: [string, string, EventTime][] = [
    ['FREQ=HOURLY', 'FREQ=HOURLY;INTERVAL=2', london('2026-06-01T09:00:00')],
    ['FREQ=MINUTELY', 'FREQ=MINUTELY', london('2026-06-01T09:00:00')],
    ['BYHOUR', 'FREQ=DAILY;BYHOUR=9,17', london('2026-06-01T09:00:00')],
    ['BYWEEKNO', 'FREQ=YEARLY;BYWEEKNO=20', london('2026-06-01T09:00:00')],
    ['BYYEARDAY', 'FREQ=YEARLY;BYYEARDAY=100', london('2026-06-01T09:00:00')],
    ['two ordinals', 'FREQ=MONTHLY;BYDAY=1MO,3MO', london('2026-06-01T09:00:00')],
    ['fifth week', 'FREQ=MONTHLY;BYDAY=5FR', london('2026-05-29T09:00:00')],
    ['BYSETPOS list', 'FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=1,2', london('2026-06-01T09:00:00')],
    ['BYMONTHDAY list', 'FREQ=MONTHLY;BYMONTHDAY=1,15', london('2026-06-01T09:00:00')],
    ['last day of month', 'FREQ=MONTHLY;BYMONTHDAY=-1', london('2026-06-30T09:00:00')],
    ['explicit day 31', 'FREQ=MONTHLY;BYMONTHDAY=31', london('2026-07-31T09:00:00')],
    ['ordinal weekly BYDAY', 'FREQ=WEEKLY;BYDAY=1MO', london('2026-06-01T09:00:00')],
    ['COUNT and UNTIL', 'FREQ=DAILY;COUNT=3;UNTIL=20260701T000000Z', london('2026-06-01T09:00:00')],
    ['not a rule', 'INTERVAL=2', london('2026-06-01T09:00:00')],
  ];

  it.each(unsupported)('refuses %s', (_name, rrule, start) => {
    expect(supportsRecurrence(rrule)).toBe(false);
    expect(recurrenceToGraph(rrule, start, 'GMT Standard Time').ok).toBe(false);
  });

  const misaligned: [string, string, EventTime][] = [
    ['day 31 from DTSTART (Outlook moves it, RFC 5545 skips)', 'FREQ=MONTHLY', london('2026-07-31T09:00:00')],
    ['Feb 29 yearly', 'FREQ=YEARLY', { kind: 'date', date: '2028-02-29' }],
    ['DTSTART not on BYDAY (COUNT would differ)', 'FREQ=WEEKLY;BYDAY=TU;COUNT=3', london('2026-06-01T09:00:00')],
    ['DTSTART not the 2nd Tuesday', 'FREQ=MONTHLY;BYDAY=2TU', london('2026-06-02T09:00:00')],
  ];

  it.each(misaligned)('refuses %s once DTSTART is known', (_name, rrule, start) => {
    expect(supportsRecurrence(rrule)).toBe(true);
    expect(recurrenceToGraph(rrule, start, 'GMT Standard Time').ok).toBe(false);
  });
});
