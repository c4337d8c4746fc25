/**
 * Measurements on real Radicale (printed, and bounded loosely so a slow shared machine never fails):
 * a full listing of 1,000 events, and the request counts of a no-change and a 10-change sync.
 * The calendar is seeded with one PUT of a whole VCALENDAR on the collection, which Radicale splits
 * into one resource per UID — seeding through 1,000 PUTs would dominate the test's run time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeIcal } from '../../src/ical/index.js';
import { CalDavProvider } from '../../src/providers/caldav/caldav-provider.js';
import { makeEvent } from '../support/events.js';
import { startRadicale, type DavServer } from '../support/radicale.js';

const EVENTS = 1000;
const RAW_QUERY =
  '<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/></d:prop>' +
  '<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"/></c:comp-filter></c:filter></c:calendar-query>';
const AUTH = { Authorization: `Basic ${Buffer.from('test:x').toString('base64')}` };

describe('CalDAV provider performance on real Radicale', () => {
  let server: DavServer;
  let calendarUrl: string;

  beforeAll(async () => {
    server = await startRadicale();
    calendarUrl = new URL('/test/perf/', server.url).toString();
    const events = Array.from({ length: EVENTS }, (_, i) =>
      makeEvent({ uid: `perf-${String(i).padStart(5, '0')}`, title: `Tasting ${i}`, start: { kind: 'utc', utc: `2026-07-${String((i % 28) + 1).padStart(2, '0')}T10:00:00Z` }, end: { kind: 'utc', utc: `2026-07-${String((i % 28) + 1).padStart(2, '0')}T11:00:00Z` } }),
    );
    const res = await fetch(calendarUrl, { method: 'PUT', headers: { ...AUTH, 'Content-Type': 'text/calendar' }, body: serializeIcal(events) });
    if (res.status >= 300) throw new Error(`seeding PUT: ${res.status} ${await res.text()}`);
  });
  afterAll(async () => server.stop());

  it(`lists ${EVENTS} events in one calendar-query, then syncs no change in 1 request and 10 changes in ≤ 4`, async () => {
    const provider = new CalDavProvider({ url: server.url, username: 'test', password: 'x', allowPrivate: true });
    // The server's own floor: the same calendar-query by plain fetch, body read but not parsed.
    const floorStarted = performance.now();
    const raw = await fetch(calendarUrl, { method: 'REPORT', headers: { ...AUTH, Depth: '1', 'Content-Type': 'application/xml' }, body: RAW_QUERY });
    const rawBytes = (await raw.text()).length;
    const floorMs = performance.now() - floorStarted;
    expect(raw.status).toBe(207);
    const started = performance.now();
    const listing = await provider.listChanges(calendarUrl, null);
    const fullMs = performance.now() - started;
    if (listing.kind !== 'full') throw new Error(`expected full, got ${listing.kind}`);
    expect(listing.items).toHaveLength(EVENTS);
    expect(listing.problems).toEqual([]);
    // CTag + reports before the listing, the calendar-query, CTag + sync-token while it arrives.
    expect(provider.stats.requests).toBe(3);

    // Radicale computes a new collection's sync-token state on first demand (seconds for 1,000 items);
    // a forced full listing afterwards shows what a full listing costs on a warm server.
    const warmStarted = performance.now();
    const warm = await provider.listChanges(calendarUrl, listing.cursor, { full: true });
    const warmMs = performance.now() - warmStarted;
    expect(warm.kind === 'full' && warm.items.length).toBe(EVENTS);

    let before = provider.stats.requests;
    const unchanged = await provider.listChanges(calendarUrl, listing.cursor);
    expect(unchanged.kind).toBe('unchanged');
    const noChangeRequests = provider.stats.requests - before;

    for (const item of listing.items.slice(0, 10)) {
      const res = await fetch(new URL(item.remoteId, calendarUrl), {
        method: 'PUT',
        headers: { ...AUTH, 'Content-Type': 'text/calendar' },
        body: serializeIcal([{ ...item.event, title: 'Moved tasting' }]),
      });
      expect(res.status).toBeLessThan(300);
    }
    before = provider.stats.requests;
    const incrementalStarted = performance.now();
    const delta = await provider.listChanges(calendarUrl, unchanged.cursor);
    const incrementalMs = performance.now() - incrementalStarted;
    const changedRequests = provider.stats.requests - before;
    if (delta.kind !== 'delta') throw new Error(`expected delta, got ${delta.kind}`);
    expect(delta.changed).toHaveLength(10);

    expect(noChangeRequests).toBe(1);
    expect(changedRequests).toBeLessThanOrEqual(4);
    expect(warmMs).toBeLessThan(30_000);
    console.info(
      `[Radicale, ${EVENTS} events] first full listing ${fullMs.toFixed(0)} ms (cold server), warm full listing ${warmMs.toFixed(0)} ms, 2 requests each ` +
        `(server floor: raw calendar-query ${floorMs.toFixed(0)} ms, ${rawBytes} bytes); ` +
        `no-change sync ${noChangeRequests} request; 10 changed events ${changedRequests} requests in ${incrementalMs.toFixed(0)} ms`,
    );
  });
});
