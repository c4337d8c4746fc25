import { describe, expect, it } from 'vitest';
import type { CalendarEvent } from '../../src/model/event.js';
import { decodeCursor, encodeCursor } from '../../src/providers/graph/cursor.js';
import { MAX_SNAPSHOT_CHARS, outlookView, parseSnapshot, reconcileWithSnapshot, snapshotText } from '../../src/providers/graph/mapping/snapshot.js';
import { plainOccurrence, sameOnOutlook } from '../../src/providers/graph/mapping/plain-occurrence.js';
import { MAX_OCCURRENCES, expandOccurrences } from '../../src/providers/graph/occurrences.js';
import { makeEvent, makeRecurringEvent, sampleExtra, zoned } from '../support/events.js';

describe('snapshot reconciliation', () => {
  const hub = (): CalendarEvent => ({ ...makeEvent({ status: 'tentative', created: '2026-01-01T00:00:00Z' }), extra: { ...sampleExtra(), provider: { graph: { importance: 'high' } } } });
  /** The same event as Outlook maps it: Windows zone names, no RSVP or iCalendar-only data. */
  const outlookOf = (e: CalendarEvent, over: Partial<CalendarEvent> = {}): CalendarEvent => ({
    ...e,
    start: { ...e.start, tzid: 'GMT Standard Time' } as CalendarEvent['start'],
    attendees: e.attendees.map((a) => ({ email: a.email, name: a.name ?? '', role: 'required', status: 'accepted' })),
    status: 'confirmed',
    organizer: { email: 'owner@contoso.test' },
    extra: { provider: { graph: { importance: 'low' } } },
    wedding: { kind: 'other', kindSource: 'inferred' },
    sequence: 0,
    lastModified: '2026-06-02T00:00:00Z',
    ...over,
  });

  it('returns the stored copy while Outlook still holds what we wrote, with answers from Outlook', () => {
    const stored = hub();
    const result = reconcileWithSnapshot(outlookOf(stored), stored);
    expect(result).toEqual({ ...stored, attendees: stored.attendees.map((a) => ({ ...a, status: 'accepted' })), lastModified: '2026-06-02T00:00:00Z' });
  });

  it('lets Outlook win after an Outlook edit, carrying what Outlook cannot hold', () => {
    const stored = hub();
    const result = reconcileWithSnapshot(outlookOf(stored, { title: 'Edited in Outlook' }), stored);
    expect(result.title).toBe('Edited in Outlook');
    expect(result).toMatchObject({ status: 'tentative', created: stored.created, organizer: stored.organizer, wedding: stored.wedding });
    expect(result.attendees[0]).toMatchObject({ rsvp: true, status: 'accepted' });
    expect(result.extra).toEqual({ properties: sampleExtra().properties, components: sampleExtra().components, provider: { graph: { importance: 'low' } } });
  });

  it('keeps the hub spelling of an unchanged rule, and ignores a snapshot of another UID', () => {
    const stored = makeRecurringEvent();
    const outlook = { ...stored, title: 'Changed', recurrence: { rrules: ['FREQ=WEEKLY;COUNT=10'], rdates: [], exdates: [] } };
    expect(reconcileWithSnapshot(outlook, stored).recurrence?.rrules).toEqual(['FREQ=WEEKLY;COUNT=10;BYDAY=TU']);
    const other = { ...stored, uid: 'other' };
    expect(reconcileWithSnapshot(outlook, other)).toBe(outlook);
    expect(reconcileWithSnapshot(outlook, undefined)).toBe(outlook);
  });

  it('notices cancelled occurrences and moved exceptions in the Outlook view', () => {
    const stored = makeRecurringEvent();
    const cancelled = { ...stored, recurrence: { ...(stored.recurrence as NonNullable<CalendarEvent['recurrence']>), exdates: [] } };
    expect(outlookView(cancelled)).not.toBe(outlookView(stored));
    const moved = { ...stored, overrides: stored.overrides.map((o) => ({ ...o, start: zoned('2026-06-16T20:00:00') })) };
    expect(outlookView(moved)).not.toBe(outlookView(stored));
    expect(outlookView({ ...stored, description: '  Go through\nthe run sheet. ' })).toBe(outlookView({ ...stored, description: 'Go through the run sheet.' }));
  });

  it('stores snapshots up to a size and parses only its own format', () => {
    const event = makeEvent();
    expect(parseSnapshot(snapshotText(event))).toEqual(event);
    expect(snapshotText(makeEvent({ description: 'x'.repeat(MAX_SNAPSHOT_CHARS) }))).toBeUndefined();
    for (const bad of [undefined, '', 'not json', '{"v":2,"event":{}}', '{"v":1}']) expect(parseSnapshot(bad)).toBeUndefined();
  });

  it('recognises an exception that only repeats its occurrence', () => {
    const master = makeRecurringEvent();
    const plain = plainOccurrence(master, zoned('2026-06-09T18:00:00'));
    expect(plain.end).toEqual(zoned('2026-06-09T18:30:00'));
    expect(sameOnOutlook(plain, { ...plain, start: { kind: 'zoned', local: '2026-06-09T18:00:00', tzid: 'GMT Standard Time', iana: 'Europe/London' } })).toBe(true);
    expect(sameOnOutlook(plain, { ...plain, title: 'Other' })).toBe(false);
    const allDay = plainOccurrence({ ...master, start: { kind: 'date', date: '2026-06-02' }, end: undefined }, { kind: 'date', date: '2026-06-09' });
    expect(allDay.end).toEqual({ kind: 'date', date: '2026-06-10' });
    expect(plainOccurrence({ ...master, start: { kind: 'utc', utc: '2026-06-02T10:00:00Z' }, end: { kind: 'utc', utc: '2026-06-02T11:00:00Z' } }, { kind: 'utc', utc: '2026-06-09T10:00:00Z' }).end).toEqual({
      kind: 'utc',
      utc: '2026-06-09T11:00:00Z',
    });
  });
});

describe('cursor', () => {
  it('round-trips and rejects anything it did not issue', () => {
    const cursor = { deltaLink: 'https://graph.test/v1.0/me/calendarView/delta?$deltatoken=abc', series: { m1: 'W/"x"~y' }, windowFromMs: 1 };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    const bad = ['', 'graph1.%%%', `graph1.${Buffer.from('{"deltaLink":"ftp://x","series":{}}').toString('base64url')}`, `graph1.${Buffer.from('{"deltaLink":"https://x","series":{"a":1},"windowFromMs":1}').toString('base64url')}`,
      `graph1.${Buffer.from('{"deltaLink":"https://x","series":{}}').toString('base64url')}`, 'other.abc'];
    for (const text of bad) expect(() => decodeCursor(text)).toThrow(expect.objectContaining({ code: 'PROVIDER_INVALID_SYNC_TOKEN' }));
  });
});

describe('occurrence expansion', () => {
  const weekly = { pattern: { type: 'weekly' as const, interval: 1, daysOfWeek: ['tuesday' as const] }, range: { type: 'noEnd' as const, startDate: '2026-06-02' } };

  it('expands in the series zone, within the window', () => {
    const from = Date.UTC(2026, 5, 5);
    const out = expandOccurrences(weekly, zoned('2026-06-02T18:00:00'), from, Date.UTC(2026, 5, 24));
    expect(out.map((o) => new Date(o.ms).toISOString())).toEqual(['2026-06-09T17:00:00.000Z', '2026-06-16T17:00:00.000Z', '2026-06-23T17:00:00.000Z']);
    const allDay = expandOccurrences(weekly, { kind: 'date', date: '2026-06-02' }, 0, Date.UTC(2026, 5, 10), 'Europe/London');
    expect(allDay.map((o) => new Date(o.ms).toISOString())).toEqual(['2026-06-01T23:00:00.000Z', '2026-06-08T23:00:00.000Z']);
    const utc = expandOccurrences({ ...weekly, range: { ...weekly.range, type: 'numbered', numberOfOccurrences: 2 } }, { kind: 'utc', utc: '2026-06-02T09:00:00Z' }, 0, Date.UTC(2030, 0, 1));
    expect(utc).toHaveLength(2);
  });

  it('is bounded', () => {
    const daily = { pattern: { type: 'daily' as const, interval: 1 }, range: { type: 'noEnd' as const, startDate: '2000-01-01' } };
    expect(expandOccurrences(daily, { kind: 'floating', local: '2000-01-01T09:00:00' }, 0, Date.UTC(2100, 0, 1))).toHaveLength(MAX_OCCURRENCES);
  });
});
