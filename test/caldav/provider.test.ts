/** CalDAV provider branches on a scripted server: preconditions, idempotent deletes, listings that fail. */
import { describe, expect, it } from 'vitest';
import { CalsyncError } from '../../src/errors.js';
import { serializeIcal } from '../../src/ical/index.js';
import { CalDavProvider } from '../../src/providers/caldav/caldav-provider.js';
import { readResources } from '../../src/providers/caldav/resource-items.js';
import { makeEvent } from '../support/events.js';
import { fakeFetch, multistatus, okResponse, xmlResponse, type Handler } from './fake-fetch.js';

const CAL = 'https://dav.example.com/cal/';

function providerOn(handler: Handler) {
  const fake = fakeFetch(handler);
  const provider = new CalDavProvider({
    url: 'https://dav.example.com/',
    username: 'u',
    password: 'p',
    fetch: fake.fetch,
    lookup: async () => ['93.184.216.34'],
    resilience: { baseDelayMs: 1, maxAttempts: 1 },
  });
  return { provider, calls: fake.calls };
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (e: unknown) => (e instanceof CalsyncError ? e.code : `untyped ${String(e)}`),
  );
}

const ics = (uid: string, title = 'T'): string => serializeIcal([makeEvent({ uid, title })]);
const calendarData = (text: string): string => `<c:calendar-data>${text.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</c:calendar-data>`;

describe('reading resources', () => {
  it('reports a resource with several UIDs instead of syncing half of it, and skips non-event resources', () => {
    const two = serializeIcal([makeEvent({ uid: 'one' }), makeEvent({ uid: 'two' })]);
    const todo = 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VTODO\r\nUID:t\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:task\r\nEND:VTODO\r\nEND:VCALENDAR\r\n';
    const read = readResources([
      { href: '/cal/two.ics', etag: '"1"', data: two },
      { href: '/cal/todo.ics', etag: '"2"', data: todo },
      { href: '/cal/nodata.ics', etag: '"3"', data: undefined },
    ]);
    expect(read.items).toEqual([]);
    // A resource the server sent without its data exists: it is unreadable, never "nothing".
    expect(read.problems).toEqual([
      { remoteId: '/cal/two.ics', code: 'MULTIPLE_UIDS', message: expect.stringContaining('one, two') },
      { remoteId: '/cal/nodata.ics', code: 'MISSING_DATA', message: expect.any(String) },
    ]);
  });

  it('reports a VEVENT without UID or with an invalid DTSTART, no ETag, and nesting past the cap, naming each resource', () => {
    const good = ics('fine');
    const read = readResources([
      { href: '/cal/nouid.ics', etag: '"1"', data: good.replace(/UID:[^\r\n]*\r\n/, '') },
      { href: '/cal/badstart.ics', etag: '"2"', data: good.replace(/(BEGIN:VEVENT[\s\S]*?)DTSTART[^\r\n]*/, '$1DTSTART:not-a-date') },
      { href: '/cal/noetag.ics', etag: '', data: good },
      { href: '/cal/nested.ics', etag: '"4"', data: good.replace('END:VEVENT', `${'BEGIN:VALARM\r\n'.repeat(10_000)}${'END:VALARM\r\n'.repeat(10_000)}END:VEVENT`) },
    ]);
    expect(read.items).toEqual([]);
    expect(read.problems.map((p) => [p.remoteId, p.code])).toEqual([
      ['/cal/nouid.ics', 'UNMODELLED_EVENT'],
      ['/cal/badstart.ics', 'UNMODELLED_EVENT'],
      ['/cal/noetag.ics', 'MISSING_ETAG'],
      ['/cal/nested.ics', 'ICAL_PARSE'],
    ]);
  });

  it('keeps an item whose data has a codec finding, and reports the finding', () => {
    const text = ics('dup').replace(/(BEGIN:VEVENT[\s\S]*?END:VEVENT\r\n)/, '$1$1');
    const read = readResources([{ href: '/cal/dup.ics', etag: '"1"', data: text }]);
    expect(read.items.map((i) => i.event.uid)).toEqual(['dup']);
    expect(read.problems.map((p) => [p.remoteId, p.code])).toEqual([['/cal/dup.ics', 'DUPLICATE_EVENT']]);
  });
});

describe('CalDavProvider on a scripted server', () => {
  it('maps a failed If-None-Match to PROVIDER_CONFLICT and a Xandikos-style 207 UID clash too', async () => {
    const exists = providerOn(() => new Response('', { status: 412 }));
    expect(await codeOf(exists.provider.create(CAL, makeEvent(), { hubId: 'h' }).then((w) => w.item))).toBe('PROVIDER_CONFLICT');
    const clash = providerOn(() =>
      xmlResponse(207, '<d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:response><d:href>/cal/x.ics</d:href><d:status>HTTP/1.1 412 Precondition Failed</d:status><d:error><c:no-uid-conflict/></d:error></d:response></d:multistatus>'),
    );
    expect(await codeOf(clash.provider.create(CAL, makeEvent(), { hubId: 'h' }).then((w) => w.item))).toBe('PROVIDER_CONFLICT');
  });

  it('tells a stale etag (412, item still there) from a vanished item (412, item gone) on update', async () => {
    const stale = providerOn((req) => (req.method === 'PUT' ? new Response('', { status: 412 }) : new Response(ics('a'), { headers: { etag: '"new"' } })));
    expect(await codeOf(stale.provider.update(CAL, '/cal/a.ics', makeEvent({ uid: 'a' }), '"old"', { hubId: 'h' }).then((w) => w.item))).toBe('PROVIDER_PRECONDITION_FAILED');
    const gone = providerOn((req) => new Response('', { status: req.method === 'PUT' ? 412 : 404 }));
    expect(await codeOf(gone.provider.update(CAL, '/cal/a.ics', makeEvent({ uid: 'a' }), '"old"', { hubId: 'h' }).then((w) => w.item))).toBe('PROVIDER_NOT_FOUND');
    expect(gone.calls.map((c) => [c.method, c.headers['if-match']])).toEqual([
      ['PUT', '"old"'],
      ['GET', undefined],
    ]);
  });

  it('treats deleting an item that is already gone as done, but not a stale etag on a live item', async () => {
    const gone404 = providerOn(() => new Response('', { status: 404 }));
    await expect(gone404.provider.delete(CAL, '/cal/a.ics', '"1"')).resolves.toBeUndefined();
    const gone412 = providerOn((req) => new Response('', { status: req.method === 'DELETE' ? 412 : 404 }));
    await expect(gone412.provider.delete(CAL, '/cal/a.ics', '"1"')).resolves.toBeUndefined();
    const stale = providerOn((req) => (req.method === 'DELETE' ? new Response('', { status: 412 }) : new Response(ics('a'), { headers: { etag: '"2"' } })));
    expect(await codeOf(stale.provider.delete(CAL, '/cal/a.ics', '"1"'))).toBe('PROVIDER_PRECONDITION_FAILED');
    const denied = providerOn(() => new Response('', { status: 403 }));
    expect(await codeOf(denied.provider.delete(CAL, '/cal/a.ics', '"1"'))).toBe('PROVIDER_REJECTED');
  });

  it('reads the stored copy back with calendar-multiget when GET carries no ETag', async () => {
    const { provider, calls } = providerOn((req) => {
      if (req.method === 'PUT') return new Response(null, { status: 201 });
      if (req.method === 'GET') return new Response(ics('m'));
      return xmlResponse(207, multistatus([okResponse(new URL(req.url).pathname + 'm.ics', `<d:getetag>"via-multiget"</d:getetag>${calendarData(ics('m'))}`)]));
    });
    const created = await provider.create(CAL, makeEvent({ uid: 'm' }), { hubId: 'h' }).then((w) => w.item);
    expect(created.etag).toBe('"via-multiget"');
    expect(calls.map((c) => c.method)).toEqual(['PUT', 'GET', 'REPORT']);
  });

  it('fails a write whose stored copy is gone (marked as written, for the engine to link) or cannot be understood', async () => {
    const vanished = providerOn((req) => (req.method === 'PUT' ? new Response(null, { status: 204 }) : req.method === 'GET' ? new Response('', { status: 404 }) : xmlResponse(207, multistatus([]))));
    const gone = await vanished.provider.create(CAL, makeEvent(), { hubId: 'h' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(gone).toBeInstanceOf(CalsyncError);
    expect((gone as CalsyncError).code).toBe('PROVIDER_NOT_FOUND');
    expect((gone as CalsyncError).details).toMatchObject({ written: true, remoteId: expect.stringContaining('.ics') });
    const unreadable = providerOn((req) => (req.method === 'PUT' ? new Response(null, { status: 204 }) : new Response('', { status: 503 })));
    const failed = await unreadable.provider.create(CAL, makeEvent(), { hubId: 'h' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((failed as CalsyncError).code).toBe('PROVIDER_UNAVAILABLE');
    expect((failed as CalsyncError).details).toMatchObject({ written: true });
    const garbled = providerOn((req) => (req.method === 'PUT' ? new Response(null, { status: 204 }) : new Response('garbage', { headers: { etag: '"1"' } })));
    expect(await codeOf(garbled.provider.create(CAL, makeEvent(), { hubId: 'h' }).then((w) => w.item))).toBe('PROVIDER_REJECTED');
  });

  it('never reads a broken listing as empty: bad XML → PROVIDER_LISTING_FAILED, outages keep their code', async () => {
    const garbage = providerOn(() => xmlResponse(207, '<d:multistatus xmlns:d="DAV:"><d:response>'));
    expect(await codeOf(garbage.provider.listChanges(CAL, null))).toBe('PROVIDER_LISTING_FAILED');
    const down = providerOn(() => new Response('', { status: 503 }));
    expect(await codeOf(down.provider.listChanges(CAL, null))).toBe('PROVIDER_UNAVAILABLE');
    expect(await codeOf(down.provider.listChanges(CAL, 'not-a-cursor'))).toBe('PROVIDER_INVALID_SYNC_TOKEN');
  });

  it('never returns part of a full listing: a body cut off after whole responses fails the listing', async () => {
    const complete = multistatus([
      okResponse('/cal/a.ics', `<d:getetag>"1"</d:getetag>${calendarData(ics('a'))}`),
      okResponse('/cal/b.ics', `<d:getetag>"2"</d:getetag>${calendarData(ics('b'))}`),
    ]);
    const cut = complete.slice(0, complete.indexOf('</d:multistatus>'));
    const state = multistatus([okResponse('/cal/', '<cs:getctag>c1</cs:getctag>')]);
    // The query is cut off, and so is the etag listing it falls back to.
    const { provider, calls } = providerOn((req) => xmlResponse(207, req.headers['depth'] === '0' ? state : cut));
    expect(await codeOf(provider.listChanges(CAL, null))).toBe('PROVIDER_LISTING_FAILED');
    expect(calls.map((c) => [c.method, c.headers['depth']])).toEqual([
      ['PROPFIND', '0'],
      ['REPORT', '1'],
      ['PROPFIND', '1'],
    ]);
  });

  it('reads a full listing as it streams, fetches items the query sent without data, and never takes a 507 answer as complete', async () => {
    const state = multistatus([okResponse('/cal/', '<cs:getctag>c1</cs:getctag>')]);
    const query = multistatus([
      okResponse('/cal/a.ics', `<d:getetag>"1"</d:getetag>${calendarData(ics('a'))}`),
      okResponse('/cal/b.ics', '<d:getetag>"2"</d:getetag>'),
      okResponse('/cal/broken.ics', `<d:getetag>"3"</d:getetag>${calendarData('BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n')}`),
    ]);
    const multiget = multistatus([okResponse('/cal/b.ics', `<d:getetag>"2"</d:getetag>${calendarData(ics('b'))}`)]);
    const { provider, calls } = providerOn((req) => xmlResponse(207, req.method === 'PROPFIND' ? state : req.body?.includes('calendar-multiget') ? multiget : query));
    const listed = await provider.listChanges(CAL, null);
    if (listed.kind !== 'full') throw new Error(`expected a full listing, got ${listed.kind}`);
    expect(listed.items.map((i) => [i.remoteId, i.etag, i.event.uid])).toEqual([
      ['/cal/a.ics', '"1"', 'a'],
      ['/cal/b.ics', '"2"', 'b'],
    ]);
    expect(listed.problems.map((p) => [p.remoteId, p.code])).toEqual([['/cal/broken.ics', 'ICAL_PARSE']]);
    expect(calls.map((c) => c.method)).toEqual(['PROPFIND', 'REPORT', 'REPORT']);

    // A server that truncates its calendar-query (507 on the collection): the etag listing instead.
    const truncated = multistatus([okResponse('/cal/a.ics', `<d:getetag>"1"</d:getetag>${calendarData(ics('a'))}`), '<d:response><d:href>/cal/</d:href><d:status>HTTP/1.1 507 Insufficient Storage</d:status></d:response>']);
    const etags = multistatus([okResponse('/cal/a.ics', '<d:getetag>"1"</d:getetag>'), okResponse('/cal/b.ics', '<d:getetag>"2"</d:getetag>')]);
    const both = multistatus([okResponse('/cal/a.ics', `<d:getetag>"1"</d:getetag>${calendarData(ics('a'))}`), okResponse('/cal/b.ics', `<d:getetag>"2"</d:getetag>${calendarData(ics('b'))}`)]);
    const fallback = providerOn((req) =>
      xmlResponse(207, req.method === 'PROPFIND' ? (req.headers['depth'] === '0' ? state : etags) : req.body?.includes('calendar-multiget') ? both : truncated),
    );
    const full = await fallback.provider.listChanges(CAL, null);
    expect(full.kind === 'full' && full.items.map((i) => i.remoteId)).toEqual(['/cal/a.ics', '/cal/b.ics']);
    expect(fallback.calls.map((c) => [c.method, c.headers['depth']])).toEqual([
      ['PROPFIND', '0'],
      ['REPORT', '1'],
      ['PROPFIND', '1'],
      ['REPORT', undefined],
    ]);
    // …and a truncated etag listing fails the listing.
    const worse = providerOn((req) => xmlResponse(207, req.method === 'PROPFIND' && req.headers['depth'] === '0' ? state : truncated));
    expect(await codeOf(worse.provider.listChanges(CAL, null))).toBe('PROVIDER_LISTING_FAILED');
  });

  it('finds by UID exactly although text-match matches substrings', async () => {
    const { provider, calls } = providerOn(() =>
      xmlResponse(
        207,
        multistatus([
          okResponse('/cal/abcd.ics', `<d:getetag>"1"</d:getetag>${calendarData(ics('abcd'))}`),
          okResponse('/cal/abc.ics', `<d:getetag>"2"</d:getetag>${calendarData(ics('abc'))}`),
        ]),
      ),
    );
    expect((await provider.findByUid(CAL, 'abc'))?.remoteId).toBe('/cal/abc.ics');
    expect(calls[0]?.body).toContain('<c:text-match collation="i;octet">abc</c:text-match>');
    expect(await provider.fetch(CAL, [])).toEqual([]);
    expect(calls).toHaveLength(1);
  });

  it('discovers again when the cached home set has gone', async () => {
    let moved = false;
    const { provider, calls } = providerOn((req) => {
      const path = new URL(req.url).pathname;
      const home = moved ? '/new-home/' : '/home/';
      if (path === '/.well-known/caldav') return new Response(null, { status: 404 });
      if (path === '/') return xmlResponse(207, multistatus([okResponse('/', `<c:calendar-home-set><d:href>${home}</d:href></c:calendar-home-set>`)]));
      if (path === home) return xmlResponse(207, multistatus([okResponse(`${home}cal/`, '<d:resourcetype><c:calendar/></d:resourcetype><d:displayname>Cal</d:displayname>')]));
      return new Response('', { status: 404 });
    });
    expect((await provider.listCalendars()).map((c) => c.remoteId)).toEqual(['https://dav.example.com/home/cal/']);
    moved = true;
    expect((await provider.listCalendars()).map((c) => c.remoteId)).toEqual(['https://dav.example.com/new-home/cal/']);
    expect(calls.map((c) => new URL(c.url).pathname)).toEqual(['/.well-known/caldav', '/', '/home/', '/home/', '/.well-known/caldav', '/', '/new-home/']);
  });

  it('reports capabilities and the circuit of the entered server', () => {
    const { provider } = providerOn(() => new Response(''));
    expect(provider.kind).toBe('caldav');
    expect(provider.capabilities).toMatchObject({ incremental: true, push: false, maxConcurrency: 4 });
    expect(provider.capabilities.supportsRecurrence('FREQ=DAILY')).toBe(true);
    expect(provider.circuitState()).toBe('closed');
  });
});
