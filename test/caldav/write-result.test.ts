/**
 * `CalDavProvider.create/update` say whether the copy read back after the PUT is our own write
 * (`WriteResult.ours`): the GET's ETag must be the one the PUT answered with; a PUT without ETag is ours
 * only when the content read back is what we sent (compared as the sync engine compares events).
 */
import { describe, expect, it } from 'vitest';
import { serializeIcal } from '../../src/ical/index.js';
import type { CalendarEvent } from '../../src/model/event.js';
import { CalDavProvider } from '../../src/providers/caldav/caldav-provider.js';
import { makeEvent } from '../support/events.js';
import { fakeFetch, type Handler } from './fake-fetch.js';

const CAL = 'https://dav.example.com/cal/';

function providerOn(handler: Handler): CalDavProvider {
  return new CalDavProvider({
    url: 'https://dav.example.com/',
    username: 'u',
    password: 'p',
    fetch: fakeFetch(handler).fetch,
    lookup: async () => ['93.184.216.34'],
    resilience: { baseDelayMs: 1, maxAttempts: 1 },
  });
}

/** A server answering PUT with `putEtag` (none when undefined) and GET with `stored` under `getEtag`. */
function server(putEtag: string | undefined, stored: CalendarEvent, getEtag: string): CalDavProvider {
  return providerOn((req) => {
    if (req.method === 'PUT') return new Response(null, { status: 204, headers: putEtag === undefined ? {} : { etag: putEtag } });
    return new Response(serializeIcal([stored], { hubId: 'h' }), { headers: { etag: getEtag } });
  });
}

describe('CalDavProvider: is the copy read back our own write?', () => {
  const sent = makeEvent({ uid: 'w', title: 'Tasting', location: 'The Old Barn' });
  const theirs = { ...sent, location: 'The Boathouse' };

  it('ours when the GET carries the ETag the PUT answered with (weak or strong)', async () => {
    expect(await server('"1"', sent, '"1"').update(CAL, '/cal/w.ics', sent, '"0"', { hubId: 'h' })).toMatchObject({ ours: true, writtenEtag: '"1"', item: { etag: '"1"' } });
    expect((await server('W/"1"', sent, '"1"').create(CAL, sent, { hubId: 'h' })).ours).toBe(true);
  });

  it('not ours when the GET carries another ETag: the item is the other writer’s version', async () => {
    const result = await server('"1"', theirs, '"2"').update(CAL, '/cal/w.ics', sent, '"0"', { hubId: 'h' });
    expect(result).toMatchObject({ ours: false, writtenEtag: '"1"', item: { etag: '"2"' } });
    expect(result.item.event.location).toBe('The Boathouse');
  });

  it('a PUT without ETag: ours only when the content read back is what we sent', async () => {
    expect(await server(undefined, sent, '"9"').update(CAL, '/cal/w.ics', sent, '"0"', { hubId: 'h' })).toMatchObject({ ours: true, writtenEtag: '' });
    const raced = await server(undefined, theirs, '"9"').create(CAL, sent, { hubId: 'h' });
    expect(raced).toMatchObject({ ours: false, writtenEtag: '' });
    expect(raced.item.event.location).toBe('The Boathouse');
  });
});
