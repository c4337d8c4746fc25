/** GraphProvider behaviour that needs Graph answers the emulator does not produce (injected fetch). */
import { describe, expect, it } from 'vitest';
import { GraphClient } from '../../src/providers/graph/client.js';
import { GraphProvider } from '../../src/providers/graph/graph-provider.js';
import type { GraphEvent } from '../../src/providers/graph/graph-types.js';
import { fakeFetch, fakeSleep, graphError, reply } from './support/fake-fetch.js';
import type { RecordedCall } from './support/fake-fetch.js';

const BASE = 'https://graph.test/v1.0';

function providerWith(handler: (call: RecordedCall) => ReturnType<typeof reply>) {
  const fetch = fakeFetch(handler);
  const client = new GraphClient({ baseUrl: BASE, fetch, sleep: fakeSleep(), getToken: async () => 't' });
  return { provider: new GraphProvider({ client }), fetch };
}

const good: GraphEvent = {
  id: 'good',
  '@odata.etag': 'W/"1"',
  subject: 'Venue visit',
  type: 'singleInstance',
  start: { dateTime: '2026-06-20T10:00:00.0000000', timeZone: 'UTC' },
  end: { dateTime: '2026-06-20T11:00:00.0000000', timeZone: 'UTC' },
};

describe('GraphProvider with recorded-style answers', () => {
  it('reports an event it cannot map as a problem and lists the others (one bad item never stops a sync)', async () => {
    const broken: GraphEvent = { ...good, id: 'broken', start: { dateTime: 'not a time', timeZone: 'UTC' } };
    const { provider, fetch } = providerWith((call) =>
      call.url.includes('/calendarView/delta')
        ? reply(200, { value: [], '@odata.deltaLink': `${BASE}/me/calendars/c1/calendarView/delta?$deltatoken=t1` })
        : reply(200, { value: [good, broken] }),
    );
    const listing = await provider.listChanges('c1', null);
    expect(listing.kind).toBe('full');
    if (listing.kind !== 'full') return;
    expect(listing.items.map((i) => i.remoteId)).toEqual(['good']);
    expect(listing.problems).toEqual([expect.objectContaining({ remoteId: 'broken', code: 'GRAPH_UNMAPPABLE' })]);
    // Delta asks for big pages; the full listing pages /events 100 at a time with our properties.
    expect(fetch.calls[0]?.init.headers.Prefer).toBe('odata.maxpagesize=100, IdType="ImmutableId"');
    expect(fetch.calls[1]?.url).toContain('/me/calendars/c1/events?$top=100&$expand=singleValueExtendedProperties');
  });

  it('treats a delta that ends without a deltaLink as a failed listing, and passes 410 on as an invalid token', async () => {
    const { provider } = providerWith(() => reply(200, { value: [] }));
    expect(await provider.listChanges('c1', null).catch((e: unknown) => e)).toMatchObject({ code: 'PROVIDER_LISTING_FAILED' });
    const gone = providerWith(() => graphError(410, 'Gone'));
    const cursor = (await providerWith((call) => (call.url.includes('delta') ? reply(200, { value: [], '@odata.deltaLink': `${BASE}/d?$deltatoken=1` }) : reply(200, { value: [] }))).provider.listChanges('c1', null)).cursor;
    expect(await gone.provider.listChanges('c1', cursor).catch((e: unknown) => e)).toMatchObject({ code: 'PROVIDER_INVALID_SYNC_TOKEN' });
  });

  it('skips occurrence ids in fetch and maps calendars with colour and write access', async () => {
    const occurrence: GraphEvent = { ...good, id: 'occ', type: 'occurrence', seriesMasterId: 'm' };
    const { provider } = providerWith((call) => {
      if (call.url.endsWith('/me/calendars')) return reply(200, { value: [{ id: 'c1', name: 'Shared', hexColor: '#ff0000', canEdit: false }, { id: 'c2' }] });
      const requests = (call.body as { requests: { id: string }[] }).requests;
      return reply(200, { responses: requests.map((r) => ({ id: r.id, status: 200, body: occurrence })) });
    });
    expect(await provider.fetch('c1', ['occ'])).toEqual([]);
    expect(await provider.listCalendars()).toEqual([
      { remoteId: 'c1', name: 'Shared', color: '#ff0000', writable: false },
      { remoteId: 'c2', name: '', writable: true },
    ]);
  });

  it('fails a fetch of an event it cannot map with PROVIDER_ITEM_UNREADABLE naming it, never leaves it out', async () => {
    const broken: GraphEvent = { ...good, id: 'broken', start: { dateTime: 'not a time', timeZone: 'UTC' } };
    const { provider } = providerWith((call) => {
      const requests = (call.body as { requests: { id: string; url: string }[] }).requests;
      return reply(200, { responses: requests.map((r) => ({ id: r.id, status: 200, body: r.url.includes('broken') ? broken : good })) });
    });
    expect(await provider.fetch('c1', ['good', 'broken']).catch((e: unknown) => e)).toMatchObject({
      code: 'PROVIDER_ITEM_UNREADABLE',
      details: { remoteId: 'broken', remoteIds: ['broken'] },
    });
    expect((await provider.fetch('c1', ['good'])).map((i) => i.remoteId)).toEqual(['good']);
  });

  it('answers a batch failure on fetch with the typed error of that request', async () => {
    const { provider } = providerWith((call) => {
      const requests = (call.body as { requests: { id: string }[] }).requests;
      return reply(200, { responses: requests.map((r) => ({ id: r.id, status: 403, headers: { 'Retry-After': '3' }, body: { error: { code: 'ErrorAccessDenied', message: 'Access is denied.' } } })) });
    });
    expect(await provider.fetch('c1', ['x']).catch((e: unknown) => e)).toMatchObject({ code: 'PROVIDER_REJECTED', retryAfterS: 3, details: { graphCode: 'ErrorAccessDenied' } });
  });
});
