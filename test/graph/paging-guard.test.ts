import { describe, expect, it } from 'vitest';
import type { CalsyncError } from '../../src/errors.js';
import { GraphClient } from '../../src/providers/graph/client.js';
import type { GraphClientOptions } from '../../src/providers/graph/client.js';
import { collectListing, collectPages } from '../../src/providers/graph/http/paging.js';
import { fakeFetch, fakeSleep, reply } from './support/fake-fetch.js';

const BASE = 'https://graph.test/v1.0';

function client(fetch: GraphClientOptions['fetch']): GraphClient {
  return new GraphClient({ baseUrl: BASE, getToken: async () => 't', fetch, sleep: fakeSleep() });
}

async function rejection(p: Promise<unknown>): Promise<CalsyncError> {
  try {
    await p;
  } catch (err) {
    return err as CalsyncError;
  }
  throw new Error('expected a rejection');
}

describe('paging guards', () => {
  it('refuses a nextLink pointing to itself after one request, not after MAX_PAGES', async () => {
    const self = `${BASE}/me/events?$skip=10`;
    const fetch = fakeFetch(() => reply(200, { value: [{ id: 'a' }], '@odata.nextLink': self }));
    const err = await rejection(collectListing(client(fetch), { method: 'GET', url: '/me/events' }));
    expect(err.code).toBe('PROVIDER_LISTING_FAILED');
    expect(err.message).toMatch(/repeats/);
    // first page, then the link once; its repetition is refused without a request.
    expect(fetch.calls).toHaveLength(2);
  });

  it('refuses a nextLink cycle through several pages, and one back to the first request', async () => {
    const links = [`${BASE}/d?s=1`, `${BASE}/d?s=2`, `${BASE}/d?s=1`];
    const cycle = fakeFetch((_c, i) => reply(200, { value: [], '@odata.nextLink': links[i % 3] }));
    expect((await rejection(collectPages(client(cycle), { method: 'GET', url: '/d' }))).code).toBe('PROVIDER_LISTING_FAILED');
    expect(cycle.calls).toHaveLength(3);
    const back = fakeFetch(() => reply(200, { value: [], '@odata.nextLink': `${BASE}/d?x=1` }));
    expect((await rejection(collectPages(client(back), { method: 'GET', url: '/d', query: { x: '1' } }))).code).toBe('PROVIDER_LISTING_FAILED');
    expect(back.calls).toHaveLength(1);
  });

  it('refuses a deltaLink equal to a nextLink of the same listing', async () => {
    const pages = [
      { value: [], '@odata.nextLink': `${BASE}/d?s=1` },
      { value: [], '@odata.deltaLink': `${BASE}/d?s=1` },
    ];
    const fetch = fakeFetch((_c, i) => reply(200, pages[i]));
    const err = await rejection(collectPages(client(fetch), { method: 'GET', url: '/d' }));
    expect(err.code).toBe('PROVIDER_LISTING_FAILED');
  });

  it('never follows a nextLink or keeps a deltaLink off the configured origin', async () => {
    for (const link of ['https://evil.test/v1.0/d?s=1', 'http://graph.test/v1.0/d?s=1', 'https://graph.test:8443/v1.0/d?s=1', 'file:///etc/passwd', 'not a url']) {
      const next = fakeFetch(() => reply(200, { value: [], '@odata.nextLink': link }));
      const err = await rejection(collectListing(client(next), { method: 'GET', url: '/d' }));
      expect(err.code).toBe('PROVIDER_LISTING_FAILED');
      expect(err.details?.causeCode).toBe('PROVIDER_REJECTED');
      expect(next.calls.map((c) => c.url)).toEqual([`${BASE}/d`]);
      const delta = fakeFetch(() => reply(200, { value: [], '@odata.deltaLink': link }));
      expect((await rejection(collectListing(client(delta), { method: 'GET', url: '/d' }))).details?.causeCode).toBe('PROVIDER_REJECTED');
    }
  });

  it('refuses a stored deltaLink to another origin before sending anything', async () => {
    const fetch = fakeFetch(() => reply(200, { value: [] }));
    const err = await rejection(collectListing(client(fetch), { method: 'GET', url: 'https://evil.test/v1.0/d?$deltatoken=1' }));
    expect(err.details?.causeCode).toBe('PROVIDER_REJECTED');
    expect(fetch.calls).toHaveLength(0);
  });

  it('still follows distinct same-origin links to the end', async () => {
    const pages = [
      { value: [{ id: 'a' }], '@odata.nextLink': `${BASE}/d?s=1` },
      { value: [{ id: 'b' }], '@odata.nextLink': `${BASE}/d?s=2` },
      { value: [{ id: 'c' }], '@odata.deltaLink': `${BASE}/d?t=9` },
    ];
    const fetch = fakeFetch((_c, i) => reply(200, pages[i]));
    const result = await collectPages<{ id: string }>(client(fetch), { method: 'GET', url: '/d' });
    expect(result.items.map((i) => i.id)).toEqual(['a', 'b', 'c']);
    expect(result.deltaLink).toBe(`${BASE}/d?t=9`);
  });
});
