/**
 * iCloud behaviour from recorded-style fixtures through an injected fetch: discovery that lands on a
 * partition host with no redirect, Basic auth carried there, task lists left out, the VEVENT filter in
 * every REPORT, master + override in one resource, DTSTART without DTEND, a PUT answered without ETag,
 * and an intermittent 503.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CalDavProvider, ICLOUD_CALDAV_URL } from '../../src/providers/caldav/caldav-provider.js';
import { makeEvent } from '../support/events.js';
import { fakeFetch, xmlResponse, type RecordedRequest } from './fake-fetch.js';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/icloud/${name}`, import.meta.url), 'utf8');
// The home set is given with an explicit :443; calendar ids are normalized URLs.
const HOME = 'https://p07-caldav.icloud.com/1234567890/calendars/home/';
const AUTH = `Basic ${Buffer.from('ann@icloud.com:abcd-efgh-ijkl-mnop').toString('base64')}`;

/** A scripted iCloud: answers by method and path, like the recordings. */
function icloud(options: { failFirstReport?: boolean } = {}) {
  const stored = new Map<string, string>();
  let reports = 0;
  const handler = (req: RecordedRequest): Response => {
    const url = new URL(req.url);
    const key = `${req.method} ${url.host}${url.pathname}`;
    if (key === 'PROPFIND caldav.icloud.com/.well-known/caldav') return new Response(null, { status: 301, headers: { location: '/' } });
    if (key === 'PROPFIND caldav.icloud.com/') return xmlResponse(207, fixture('principal.xml'));
    if (key === 'PROPFIND caldav.icloud.com/1234567890/principal/') return xmlResponse(207, fixture('home-set.xml'));
    if (key === 'PROPFIND p07-caldav.icloud.com/1234567890/calendars/') return xmlResponse(207, fixture('calendars.xml'));
    if (key === 'PROPFIND p07-caldav.icloud.com/1234567890/calendars/home/') return xmlResponse(207, fixture('home-ctag.xml'));
    if (key === 'REPORT p07-caldav.icloud.com/1234567890/calendars/home/') {
      reports += 1;
      if (options.failFirstReport && reports === 1) return new Response('Service Unavailable', { status: 503 });
      return xmlResponse(207, fixture('query.xml'));
    }
    if (req.method === 'PUT') {
      // iCloud rewrites the event (adds its own properties) and answers without an ETag.
      stored.set(url.pathname, (req.body ?? '').replace('END:VEVENT', 'X-APPLE-STORED:1\r\nEND:VEVENT'));
      return new Response(null, { status: 201 });
    }
    if (req.method === 'GET' && stored.has(url.pathname)) {
      return new Response(stored.get(url.pathname), { status: 200, headers: { etag: '"icloud-1"', 'content-type': 'text/calendar' } });
    }
    return new Response('not found', { status: 404 });
  };
  const fake = fakeFetch(handler);
  const provider = new CalDavProvider({
    url: ICLOUD_CALDAV_URL,
    username: 'ann@icloud.com',
    password: 'abcd-efgh-ijkl-mnop',
    fetch: fake.fetch,
    lookup: async () => ['17.248.128.1'],
    resilience: { baseDelayMs: 1 },
  });
  return { provider, calls: fake.calls };
}

describe('iCloud through recorded-style fixtures', () => {
  it('discovers the home set on the partition host and lists only event calendars', async () => {
    const { provider, calls } = icloud();
    const calendars = await provider.listCalendars();
    expect(calendars).toEqual([{ remoteId: HOME, name: 'Home', color: '#FF2968', writable: true, components: ['VEVENT'] }]);
    const partition = calls.filter((c) => c.url.startsWith('https://p07-caldav.icloud.com'));
    expect(partition.length).toBeGreaterThan(0);
    expect(partition.every((c) => c.headers['authorization'] === AUTH)).toBe(true);
    expect(provider.stats.requests).toBe(calls.length);
  });

  it('runs discovery once: later calendar lists ask the known home set only', async () => {
    const { provider, calls } = icloud();
    await provider.listCalendars();
    const before = calls.length;
    expect(await provider.listCalendars()).toHaveLength(1);
    expect(calls.slice(before).map((c) => `${c.method} ${c.url}`)).toEqual(['PROPFIND https://p07-caldav.icloud.com/1234567890/calendars/']);
  });

  it('lists with a VEVENT-filtered calendar-query: master and override as one item, DTSTART without DTEND, a bad resource reported', async () => {
    const { provider, calls } = icloud();
    const listing = await provider.listChanges(HOME, null);
    if (listing.kind !== 'full') throw new Error(`expected full, got ${listing.kind}`);
    const report = calls.find((c) => c.method === 'REPORT');
    expect(report?.body).toMatch(/<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"\/><\/c:comp-filter>/);
    expect(report?.headers['depth']).toBe('1');

    const walk = listing.items.find((i) => i.event.uid === '6F1E6E0B-1D6A-4C0F-9C1B-4D7A0B8F3E21');
    expect(walk?.remoteId).toBe('/1234567890/calendars/home/6F1E6E0B-1D6A-4C0F-9C1B-4D7A0B8F3E21.ics');
    expect(walk?.event.recurrence?.rrules).toEqual(['FREQ=WEEKLY;COUNT=6']);
    expect(walk?.event.overrides).toHaveLength(1);
    expect(walk?.event.overrides[0]?.title).toBe('Venue walk-through (moved)');

    const ceremony = listing.items.find((i) => i.event.uid === 'A1B2C3D4-0000-4000-8000-000000000001');
    expect(ceremony?.event.start).toEqual({ kind: 'utc', utc: '2026-08-15T14:00:00Z' });
    expect(ceremony?.event.end).toBeUndefined();
    expect(ceremony?.etag).toBe('"lv8kmp01"');

    expect(listing.items).toHaveLength(2);
    expect(listing.problems.map((p) => p.remoteId)).toEqual(['/1234567890/calendars/home/broken.ics']);
    expect(listing.problems[0]?.code).toBe('ICAL_PARSE');
  });

  it('answers a second listing with one CTag request when nothing changed', async () => {
    const { provider } = icloud();
    const first = await provider.listChanges(HOME, null);
    const before = provider.stats.requests;
    const second = await provider.listChanges(HOME, first.cursor);
    expect(second.kind).toBe('unchanged');
    expect(provider.stats.requests - before).toBe(1);
  });

  it('creates under a safe resource name and returns the stored copy when the PUT has no ETag', async () => {
    const { provider, calls } = icloud();
    const event = makeEvent({ uid: 'wed+ding/2026@example.com' });
    const created = await provider.create(HOME, event, { hubId: 'hub-42' }).then((w) => w.item);
    const put = calls.find((c) => c.method === 'PUT');
    expect(put?.headers['if-none-match']).toBe('*');
    expect(put?.headers['authorization']).toBe(AUTH);
    expect(new URL(put?.url ?? '').pathname).toMatch(/^\/1234567890\/calendars\/home\/wed-ding-2026-example-com-[0-9a-f]{32}\.ics$/);
    expect(created.etag).toBe('"icloud-1"');
    expect(created.hubId).toBe('hub-42');
    expect(JSON.stringify(created.event.extra)).toContain('X-APPLE-STORED'.toLowerCase());
  });

  it('retries an intermittent 503 and completes the listing', async () => {
    const { provider, calls } = icloud({ failFirstReport: true });
    const listing = await provider.listChanges(HOME, null);
    expect(listing.kind).toBe('full');
    expect(calls.filter((c) => c.method === 'REPORT')).toHaveLength(2);
  });
});
