/**
 * Issue 10, finding 10: limits apply to what providers bring in. A 5 MB SUMMARY from a CalDAV server or
 * a 5 MB subject from Outlook becomes a title of the API's 1,000 characters, and the cut is an item
 * problem; Outlook's over-large HTML body is not kept as unmodelled data.
 */
import { describe, expect, it } from 'vitest';
import { parseIcal } from '../../src/ical/index.js';
import { TEXT_LIMITS, UNMODELLED_TEXT_LIMIT, cutText } from '../../src/model/limits.js';
import { readResource } from '../../src/providers/caldav/resource-items.js';
import type { GraphEvent } from '../../src/providers/graph/graph-types.js';
import { eventFromGraph } from '../../src/providers/graph/mapping/event-from-graph.js';

const HUGE = 5 * 1024 * 1024;

function vevent(props: string[]): string {
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'BEGIN:VEVENT', 'UID:big-1', 'DTSTAMP:20260101T000000Z', 'DTSTART:20260601T100000Z', 'DTEND:20260601T110000Z', ...props, 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
}

describe('CalDAV data enters the model within its limits', () => {
  it('cuts a 5 MB SUMMARY to the API limit and reports it', () => {
    const text = vevent([`SUMMARY:${'S'.repeat(HUGE)}`, `LOCATION:${'L'.repeat(3_000)}`, `DESCRIPTION:${'D'.repeat(150_000)}`]);
    const parsed = parseIcal(text);
    const event = parsed.items[0]!.event;
    expect(event.title).toHaveLength(TEXT_LIMITS.title);
    expect(event.location).toHaveLength(TEXT_LIMITS.location);
    expect(event.description).toHaveLength(TEXT_LIMITS.description);
    expect(parsed.problems.filter((p) => p.code === 'FIELD_TRUNCATED').map((p) => p.message.split(' ')[0])).toEqual(['SUMMARY', 'LOCATION', 'DESCRIPTION']);
    // Nothing of the original is kept as unmodelled data either.
    expect(JSON.stringify(event).length).toBeLessThan(TEXT_LIMITS.title + TEXT_LIMITS.location + TEXT_LIMITS.description + 10_000);
  });

  it('is an item problem of the CalDAV listing, and the item is still synced', () => {
    const read = readResource({ href: '/cal/big-1.ics', etag: '"1"', data: vevent([`SUMMARY:${'S'.repeat(HUGE)}`]) });
    expect(read.item?.event.title).toHaveLength(TEXT_LIMITS.title);
    expect(read.problems).toEqual([expect.objectContaining({ remoteId: '/cal/big-1.ics', code: 'FIELD_TRUNCATED' })]);
  });

  it('leaves values within the limits alone', () => {
    const parsed = parseIcal(vevent(['SUMMARY:Ceremony', 'LOCATION:Rosewood Hall']));
    expect(parsed.items[0]!.event.title).toBe('Ceremony');
    expect(parsed.problems).toEqual([]);
  });
});

describe('Graph data enters the model within its limits', () => {
  const base: GraphEvent = {
    id: 'AAMk1',
    subject: 'x',
    start: { dateTime: '2026-06-01T10:00:00.0000000', timeZone: 'UTC' },
    end: { dateTime: '2026-06-01T11:00:00.0000000', timeZone: 'UTC' },
  } as GraphEvent;

  it('cuts a 5 MB subject and reports the cut', () => {
    const cuts: string[] = [];
    const event = eventFromGraph({ ...base, subject: 's'.repeat(HUGE), location: { displayName: 'l'.repeat(5_000) } } as GraphEvent, undefined, { cuts });
    expect(event.title).toHaveLength(TEXT_LIMITS.title);
    expect(event.location).toHaveLength(TEXT_LIMITS.location);
    expect(cuts.map((c) => c.split(' ')[0])).toEqual(['subject', 'location']);
  });

  it('does not keep an over-large HTML body as unmodelled data', () => {
    const cuts: string[] = [];
    // Formatted (a plain-text frame is never kept at all: its text says everything).
    const html = `<html><body><p><b>${'word '.repeat(UNMODELLED_TEXT_LIMIT / 4)}</b></p></body></html>`;
    const event = eventFromGraph({ ...base, body: { contentType: 'html', content: html } } as GraphEvent, undefined, { cuts });
    expect(JSON.stringify(event.extra ?? {})).not.toContain('word word');
    expect(cuts.some((c) => c.startsWith('HTML body'))).toBe(true);
    expect(event.description!.length).toBeLessThanOrEqual(TEXT_LIMITS.description);
  });
});

describe('cutText', () => {
  it('never leaves half a surrogate pair', () => {
    expect(cutText(`ab${'😀'.repeat(3)}`, 3)).toBe('ab');
    expect(cutText('abc', 3)).toBe('abc');
  });
});
