import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRecurrence } from '../../src/emulator/graph/event-input.js';
import { formatDate, occurrenceDates } from '../../src/emulator/graph/recurrence.js';
import { type Harness, startHarness } from './helpers.js';

const dates = (r: unknown, n = 100): string[] => {
  const out: string[] = [];
  for (const d of occurrenceDates(parseRecurrence(r))) {
    out.push(formatDate(d));
    if (out.length >= n) break;
  }
  return out;
};

describe('recurrence expansion', () => {
  it('expands weekly patterns on several days with an end date', () => {
    expect(
      dates({ pattern: { type: 'weekly', interval: 1, daysOfWeek: ['tuesday', 'thursday'] }, range: { type: 'endDate', startDate: '2026-06-02', endDate: '2026-06-12' } }),
    ).toEqual(['2026-06-02', '2026-06-04', '2026-06-09', '2026-06-11']);
  });

  it('honours interval, firstDayOfWeek and numbered ranges', () => {
    expect(
      dates({ pattern: { type: 'weekly', interval: 2, daysOfWeek: ['monday', 'sunday'], firstDayOfWeek: 'monday' }, range: { type: 'numbered', startDate: '2026-06-01', numberOfOccurrences: 4 } }),
    ).toEqual(['2026-06-01', '2026-06-07', '2026-06-15', '2026-06-21']);
    expect(dates({ pattern: { type: 'daily', interval: 3 }, range: { type: 'numbered', startDate: '2026-06-30', numberOfOccurrences: 3 } })).toEqual([
      '2026-06-30',
      '2026-07-03',
      '2026-07-06',
    ]);
  });

  it('expands monthly and yearly patterns, absolute and relative', () => {
    expect(dates({ pattern: { type: 'absoluteMonthly', interval: 1, dayOfMonth: 31 }, range: { type: 'numbered', startDate: '2026-01-31', numberOfOccurrences: 3 } })).toEqual([
      '2026-01-31',
      '2026-03-31',
      '2026-05-31',
    ]);
    expect(
      dates({ pattern: { type: 'relativeMonthly', interval: 1, daysOfWeek: ['saturday'], index: 'last' }, range: { type: 'numbered', startDate: '2026-06-01', numberOfOccurrences: 2 } }),
    ).toEqual(['2026-06-27', '2026-07-25']);
    expect(dates({ pattern: { type: 'absoluteYearly', interval: 1, month: 6, dayOfMonth: 20 }, range: { type: 'numbered', startDate: '2026-01-01', numberOfOccurrences: 2 } })).toEqual([
      '2026-06-20',
      '2027-06-20',
    ]);
    expect(
      dates({ pattern: { type: 'relativeYearly', interval: 1, month: 11, daysOfWeek: ['thursday'], index: 'fourth' }, range: { type: 'numbered', startDate: '2026-01-01', numberOfOccurrences: 1 } }),
    ).toEqual(['2026-11-26']);
  });

  it('stops an endless series only when asked (lazy) and refuses invalid patterns', () => {
    expect(dates({ pattern: { type: 'daily', interval: 1 }, range: { type: 'noEnd', startDate: '2026-01-01' } }, 500)).toHaveLength(500);
    expect(() => parseRecurrence({ pattern: { type: 'weekly', interval: 1 }, range: { type: 'noEnd', startDate: '2026-01-01' } })).toThrow(/daysOfWeek/);
    expect(() => parseRecurrence({ pattern: { type: 'hourly', interval: 1 }, range: { type: 'noEnd', startDate: '2026-01-01' } })).toThrow();
    expect(() => parseRecurrence({ pattern: { type: 'daily', interval: 0 }, range: { type: 'noEnd', startDate: '2026-01-01' } })).toThrow();
    expect(() => parseRecurrence({ pattern: { type: 'daily', interval: 1 }, range: { type: 'endDate', startDate: '2026-01-02', endDate: '2026-01-01' } })).toThrow();
    expect(() => parseRecurrence({ pattern: { type: 'daily', interval: 1 }, range: { type: 'numbered', startDate: '2026-01-01' } })).toThrow();
  });
});

describe('Graph emulator: recurring series', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  const weekly = {
    subject: 'Planning call',
    start: { dateTime: '2026-03-02T09:00:00', timeZone: 'Pacific Standard Time' },
    end: { dateTime: '2026-03-02T09:30:00', timeZone: 'Pacific Standard Time' },
    recurrence: {
      pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] },
      range: { type: 'numbered', startDate: '2026-03-02', numberOfOccurrences: 4, recurrenceTimeZone: 'Pacific Standard Time' },
    },
  };

  it('creates a series master that echoes the recurrence with Graph defaults', async () => {
    const master = await h.client.api('/me/events').post(weekly);
    expect(master.type).toBe('seriesMaster');
    expect(master.recurrence).toEqual({
      pattern: { type: 'weekly', interval: 1, month: 0, dayOfMonth: 0, daysOfWeek: ['monday'], firstDayOfWeek: 'sunday', index: 'first' },
      range: { type: 'numbered', startDate: '2026-03-02', endDate: '0001-01-01', recurrenceTimeZone: 'Pacific Standard Time', numberOfOccurrences: 4 },
    });
  });

  it('expands occurrences across a DST change at the same local time, edits one into an exception and deletes another', async () => {
    const master = await h.client.api('/me/events').post({ ...weekly, subject: 'DST series' });
    const instances = await h.client.api(`/me/events/${master.id}/instances?startDateTime=2026-03-01T00:00:00Z&endDateTime=2026-04-01T00:00:00Z`).header('Prefer', 'outlook.timezone="Pacific Standard Time"').get();
    expect(instances.value.map((i: { start: { dateTime: string } }) => i.start.dateTime)).toEqual([
      '2026-03-02T09:00:00.0000000',
      '2026-03-09T09:00:00.0000000',
      '2026-03-16T09:00:00.0000000',
      '2026-03-23T09:00:00.0000000',
    ]);
    const utc = await h.client.api(`/me/events/${master.id}/instances?startDateTime=2026-03-01T00:00:00Z&endDateTime=2026-04-01T00:00:00Z`).get();
    // US DST starts 2026-03-08: 17:00Z before, 16:00Z after.
    expect(utc.value.map((i: { start: { dateTime: string } }) => i.start.dateTime.slice(11, 13))).toEqual(['17', '16', '16', '16']);
    const [first, second, third] = utc.value as { id: string; type: string; seriesMasterId: string; originalStart: string; iCalUId: string }[];
    expect(first?.type).toBe('occurrence');
    expect(first?.seriesMasterId).toBe(master.id);
    expect(first?.originalStart).toBe('2026-03-02T17:00:00Z');
    expect(first?.iCalUId).not.toBe(master.iCalUId);

    const exception = await h.client.api(`/me/events/${second?.id}`).patch({ subject: 'Moved call', start: { dateTime: '2026-03-10T12:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-03-10T13:00:00', timeZone: 'UTC' } });
    expect(exception.type).toBe('exception');
    expect(exception.id).toBe(second?.id);
    expect(exception.subject).toBe('Moved call');

    await h.client.api(`/me/events/${third?.id}`).delete();
    const view = await h.client.api(`/me/calendarView?startDateTime=2026-03-01T00:00:00Z&endDateTime=2026-04-01T00:00:00Z`).filter("subject eq 'Moved call'").get();
    expect(view.value).toHaveLength(1);
    const after = await h.client.api(`/me/events/${master.id}/instances?startDateTime=2026-03-01T00:00:00Z&endDateTime=2026-04-01T00:00:00Z`).get();
    expect(after.value.map((i: { type: string }) => i.type).sort()).toEqual(['exception', 'occurrence', 'occurrence']);
    const deleted = await h.call('GET', `/me/events/${third?.id}`);
    expect(deleted.status).toBe(404);
    const patchRecurrence = await h.call('PATCH', `/me/events/${first?.id}`, { body: { recurrence: null } });
    expect(patchRecurrence.status).toBe(400);
  });

  it('lists masters (not occurrences) in /events and occurrences (not masters) in /calendarView', async () => {
    const master = await h.client.api('/me/events').post({ ...weekly, subject: 'Listing series', start: { dateTime: '2026-05-04T09:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-05-04T10:00:00', timeZone: 'UTC' }, recurrence: { ...weekly.recurrence, range: { type: 'numbered', startDate: '2026-05-04', numberOfOccurrences: 2 } } });
    const events = await h.client.api('/me/events').filter("subject eq 'Listing series'").get();
    expect(events.value.map((e: { type: string }) => e.type)).toEqual(['seriesMaster']);
    const view = await h.client.api('/me/calendarView?startDateTime=2026-05-01T00:00:00&endDateTime=2026-05-31T00:00:00').filter("subject eq 'Listing series'").get();
    expect(view.value.map((e: { type: string }) => e.type)).toEqual(['occurrence', 'occurrence']);
    expect(view.value.every((e: { seriesMasterId: string }) => e.seriesMasterId === master.id)).toBe(true);
    const missing = await h.call('GET', '/me/calendarView');
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ error: { code: 'ErrorInvalidParameter' } });
    // Changing the pattern discards exceptions, as Outlook does.
    const occ = view.value[0] as { id: string };
    await h.client.api(`/me/events/${occ.id}`).patch({ subject: 'Listing exception' });
    await h.client.api(`/me/events/${master.id}`).patch({ recurrence: { ...weekly.recurrence, range: { type: 'numbered', startDate: '2026-05-04', numberOfOccurrences: 3 } } });
    const again = await h.client.api(`/me/events/${master.id}/instances?startDateTime=2026-05-01T00:00:00Z&endDateTime=2026-06-01T00:00:00Z`).get();
    expect(again.value.map((e: { type: string }) => e.type)).toEqual(['occurrence', 'occurrence', 'occurrence']);
  });
});
