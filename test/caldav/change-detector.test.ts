/**
 * Change detection branches with scripted servers: CTag shortcut, sync-collection with 507 truncation
 * paging, invalid tokens (403, Xandikos' 500), the ETag-listing fallback for servers without
 * sync-collection, and servers without calendar-query.
 */
import { describe, expect, it } from 'vitest';
import { CalsyncError } from '../../src/errors.js';
import { CalendarCollection, type CollectionState, type ItemData, type ItemReader, type SyncPage } from '../../src/providers/caldav/calendar-collection.js';
import type { QueryFilter } from '../../src/providers/caldav/dav-bodies.js';
import { ChangeDetector, type CollectionReader } from '../../src/providers/caldav/change-detector.js';
import { DavClient } from '../../src/providers/caldav/dav-client.js';
import { fakeFetch, multistatus, okResponse, xmlResponse, type Handler } from './fake-fetch.js';

const CAL = 'https://dav.example.com/cal/';
const SYNC = '{DAV:}sync-collection';
const QUERY = '{urn:ietf:params:xml:ns:caldav}calendar-query';

function collectionOn(handler: Handler): { collection: CalendarCollection; calls: ReturnType<typeof fakeFetch>['calls'] } {
  const fake = fakeFetch(handler);
  const client = new DavClient({ trustedUrl: CAL, fetch: fake.fetch, lookup: async () => ['93.184.216.34'], resilience: { baseDelayMs: 1, maxAttempts: 1 }, rateLimit: { capacity: 10_000, refillPerSecond: 10_000 } });
  return { collection: new CalendarCollection(client, CAL), calls: fake.calls };
}

const item = (name: string, etag: string, data?: string): ItemData => ({ href: `/cal/${name}`, etag, data });

/** A scripted collection that counts calls per method. */
class ScriptedCollection implements CollectionReader {
  readonly url = CAL;
  calls: string[] = [];
  constructor(
    public current: CollectionState,
    public items: ItemData[],
  ) {}
  async ctag(): Promise<string | undefined> {
    this.calls.push('ctag');
    return this.current.ctag;
  }
  async state(): Promise<CollectionState> {
    this.calls.push('state');
    return this.current;
  }
  async ctagAndReports(): Promise<Omit<CollectionState, 'syncToken'>> {
    this.calls.push('check');
    return { ctag: this.current.ctag, reports: this.current.reports };
  }
  async syncCollection(_token: string, _withData: boolean): Promise<SyncPage> {
    this.calls.push('sync');
    throw new Error('not scripted');
  }
  async query<T = ItemData>(withData: boolean, _filter?: QueryFilter, read: ItemReader<T> = (i) => i as T): Promise<T[]> {
    this.calls.push(withData ? 'query+data' : 'query');
    return this.items.map((i) => read(withData ? i : { ...i, data: undefined }));
  }
  async listEtags(): Promise<ItemData[]> {
    this.calls.push('propfind');
    return this.items.map((i) => ({ ...i, data: undefined }));
  }
  async multiget<T = ItemData>(hrefs: readonly string[], read: ItemReader<T> = (i) => i as T): Promise<T[]> {
    this.calls.push(`multiget(${hrefs.length})`);
    return this.items.filter((i) => hrefs.includes(i.href)).map(read);
  }
}

describe('sync-collection paging and tokens (CalendarCollection on a scripted server)', () => {
  it('follows 507 truncation pages with the returned token until the server is done', async () => {
    const pages = [
      multistatus(
        // The collection's own 507 response, its href written without the trailing slash.
        [okResponse('/cal/a.ics', '<d:getetag>"a1"</d:getetag>'), '<d:response><d:href>/cal</d:href><d:status>HTTP/1.1 507 Insufficient Storage</d:status></d:response>'],
        '<d:sync-token>t1</d:sync-token>',
      ),
      multistatus(
        [okResponse('/cal/b.ics', '<d:getetag>"b1"</d:getetag>'), '<d:response><d:href>/cal/a.ics</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>'],
        '<d:sync-token>t2</d:sync-token>',
      ),
    ];
    const { collection, calls } = collectionOn(() => xmlResponse(207, pages.shift() ?? ''));
    const page = await collection.syncCollection('t0', false);
    expect(calls.map((c) => /<d:sync-token>(.*)<\/d:sync-token>/.exec(c.body ?? '')?.[1])).toEqual(['t0', 't1']);
    expect(calls[0]?.headers['depth']).toBe('0');
    expect(page).toEqual({ changed: [{ href: '/cal/b.ics', etag: '"b1"', data: undefined }], removed: ['/cal/a.ics'], token: 't2' });
  });

  it('gives up on a server that truncates forever, and on an answer without a token', async () => {
    const truncated = multistatus(['<d:response><d:href>/cal/</d:href><d:status>HTTP/1.1 507 Insufficient Storage</d:status></d:response>'], '<d:sync-token>t</d:sync-token>');
    const endless = collectionOn(() => xmlResponse(207, truncated));
    await expect(endless.collection.syncCollection('', false)).rejects.toMatchObject({ code: 'PROVIDER_LISTING_FAILED' });
    expect(endless.calls.length).toBe(1000);
    const tokenless = collectionOn(() => xmlResponse(207, multistatus([])));
    await expect(tokenless.collection.syncCollection('', false)).rejects.toMatchObject({ code: 'PROVIDER_LISTING_FAILED' });
  });

  it('reads 403/409 valid-sync-token, Xandikos 500 and iCloud bare 403 as an invalid token, but not on an empty token', async () => {
    const forbidden = collectionOn(() => xmlResponse(403, '<error xmlns="DAV:"><valid-sync-token/></error>'));
    await expect(forbidden.collection.syncCollection('old', false)).rejects.toMatchObject({ code: 'PROVIDER_INVALID_SYNC_TOKEN' });
    const conflict = collectionOn(() => xmlResponse(409, '<error xmlns="DAV:"><valid-sync-token/></error>'));
    await expect(conflict.collection.syncCollection('old', false)).rejects.toMatchObject({ code: 'PROVIDER_INVALID_SYNC_TOKEN' });
    const xandikos = collectionOn(() => new Response('500 Internal Server Error', { status: 500 }));
    await expect(xandikos.collection.syncCollection('old', false)).rejects.toMatchObject({ code: 'PROVIDER_INVALID_SYNC_TOKEN' });
    const broken = collectionOn(() => new Response('500 Internal Server Error', { status: 500 }));
    await expect(broken.collection.syncCollection('', false)).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    // iCloud answers a token it dropped with a bare 403; a real refusal then fails the full listing.
    const dropped = collectionOn(() => new Response('no', { status: 403 }));
    await expect(dropped.collection.syncCollection('old', false)).rejects.toMatchObject({ code: 'PROVIDER_INVALID_SYNC_TOKEN' });
    const denied = collectionOn(() => new Response('no', { status: 403 }));
    await expect(denied.collection.syncCollection('', false)).rejects.toMatchObject({ code: 'PROVIDER_REJECTED' });
  });

  it('reports an empty state answer as a failed listing', async () => {
    const { collection } = collectionOn(() => xmlResponse(207, multistatus([])));
    await expect(collection.state()).rejects.toMatchObject({ code: 'PROVIDER_LISTING_FAILED' });
  });

  it('multigets in batches of 100', async () => {
    const { collection, calls } = collectionOn((req) => {
      const hrefs = [...(req.body ?? '').matchAll(/<d:href>([^<]*)<\/d:href>/g)].map((m) => m[1] ?? '');
      return xmlResponse(207, multistatus(hrefs.map((h) => okResponse(h, `<d:getetag>"e"</d:getetag><c:calendar-data>BEGIN:VCALENDAR</c:calendar-data>`))));
    });
    const hrefs = Array.from({ length: 250 }, (_, i) => `/cal/${i}.ics`);
    const got = await collection.multiget(hrefs);
    expect(got).toHaveLength(250);
    expect(calls.map((c) => (c.body?.match(/<d:href>/g) ?? []).length)).toEqual([100, 100, 50]);
    expect(calls[0]?.headers['depth']).toBeUndefined();
  });
});

describe('ChangeDetector', () => {
  const state = (ctag: string, reports: string[] = [SYNC, QUERY], syncToken = `tok-${ctag}`): CollectionState => ({ ctag, syncToken, reports: new Set(reports) });

  it('answers unchanged from a CTag-only PROPFIND, and uses sync-collection as the check when a server has no CTag', async () => {
    const detector = new ChangeDetector();
    const scripted = new ScriptedCollection(state('c1'), []);
    const result = await detector.detect(scripted, { ctag: 'c1', syncToken: 'x' }, false);
    expect(result.kind).toBe('unchanged');
    expect(scripted.calls).toEqual(['ctag']);
    scripted.calls = [];
    scripted.current = { ctag: undefined, syncToken: 's1', reports: new Set([SYNC]) };
    scripted.syncCollection = async (token: string) => {
      scripted.calls.push(`sync(${token})`);
      return { changed: [], removed: [], token: 's2' };
    };
    expect(await detector.detect(scripted, { ctag: undefined, syncToken: 's1' }, false)).toEqual({ kind: 'unchanged', cursor: { ctag: undefined, syncToken: 's2' } });
    expect(scripted.calls).toEqual(['sync(s1)']);
  });

  it('a changed CTag costs one sync-collection more: cursor = the CTag of the check + the token the sync-collection returned', async () => {
    const detector = new ChangeDetector();
    const scripted = new ScriptedCollection(state('c2'), []);
    scripted.syncCollection = async (token: string, withData: boolean) => {
      scripted.calls.push(`sync(${token},${withData})`);
      return { changed: [item('a.ics', '"2"', 'A2')], removed: ['/cal/b.ics'], token: 't2' };
    };
    const result = await detector.detect(scripted, { ctag: 'c1', syncToken: 't1' }, false);
    expect(result).toEqual({ kind: 'delta', changed: [item('a.ics', '"2"', 'A2')], removed: ['/cal/b.ics'], cursor: { ctag: 'c2', syncToken: 't2' } });
    expect(scripted.calls).toEqual(['ctag', 'sync(t1,true)']);
  });

  it('DAViCal-shaped tokens (data:,N) carry when they were first seen; at 6 days or of unknown age they give way to a full listing', async () => {
    let now = Date.UTC(2026, 5, 1);
    const detector = new ChangeDetector(() => now);
    const scripted = new ScriptedCollection(state('c2'), [item('a.ics', '"1"', 'A')]);
    scripted.syncCollection = async (token: string) => {
      scripted.calls.push(`sync(${token})`);
      return { changed: [], removed: ['/cal/b.ics'], token: token === 'data:,7' ? 'data:,7' : 'data:,9' };
    };
    const seen = Date.UTC(2026, 4, 27);
    // Younger than 6 days: a delta; a new token is stamped now, the same token keeps its stamp.
    const fresh = await detector.detect(scripted, { ctag: 'c1', syncToken: 'data:,5', tokenSeenAt: seen }, false);
    expect(fresh).toMatchObject({ kind: 'delta', removed: ['/cal/b.ics'], cursor: { ctag: 'c2', syncToken: 'data:,9', tokenSeenAt: now } });
    const same = await detector.detect(scripted, { ctag: 'c1', syncToken: 'data:,7', tokenSeenAt: seen }, false);
    expect(same.cursor).toEqual({ ctag: 'c2', syncToken: 'data:,7', tokenSeenAt: seen });
    // 6 days after it was seen, or of unknown age: the token is not asked, the collection is listed.
    now = seen + 6 * 24 * 3600_000;
    scripted.calls.length = 0;
    expect((await detector.detect(scripted, { ctag: 'c1', syncToken: 'data:,5', tokenSeenAt: seen }, false)).kind).toBe('full');
    expect(scripted.calls.some((c) => c.startsWith('sync('))).toBe(false);
    expect((await detector.detect(scripted, { ctag: 'c1', syncToken: 'data:,5' }, false)).kind).toBe('full');
    // Unchanged CTag: still one request, whatever the token's age.
    expect((await detector.detect(scripted, { ctag: 'c2', syncToken: 'data:,5' }, false)).kind).toBe('unchanged');
    // Other servers' tokens carry no stamp and never expire here.
    expect((await detector.detect(scripted, { ctag: 'c1', syncToken: 'data:,1-5' }, false)).cursor).toEqual({ ctag: 'c2', syncToken: 'data:,9', tokenSeenAt: now });
  });

  it('a write landing between the check and the sync-collection is never hidden by the stored CTag', async () => {
    const detector = new ChangeDetector();
    const scripted = new ScriptedCollection(state('c2'), []);
    // The server moves on (c3) while answering with the state before that write (token t2).
    scripted.syncCollection = async () => {
      scripted.current = state('c3');
      return { changed: [item('a.ics', '"2"', 'A2')], removed: [], token: 't2' };
    };
    const delta = await detector.detect(scripted, { ctag: 'c1', syncToken: 't1' }, false);
    expect(delta.cursor).toEqual({ ctag: 'c2', syncToken: 't2' });
    scripted.syncCollection = async (token: string) => {
      scripted.calls.push(`sync(${token})`);
      return { changed: [item('late.ics', '"1"', 'L')], removed: [], token: 't3' };
    };
    scripted.calls = [];
    const next = await detector.detect(scripted, delta.cursor, false);
    expect(next.kind === 'delta' && next.changed).toEqual([item('late.ics', '"1"', 'L')]);
    expect(scripted.calls).toEqual(['ctag', 'sync(t2)']);
  });

  it('an invalid token turns into PROPFIND state + a full calendar-query', async () => {
    const scripted = new ScriptedCollection(state('c2'), [item('a.ics', '"1"', 'A')]);
    scripted.syncCollection = async () => {
      scripted.calls.push('sync');
      throw new CalsyncError('PROVIDER_INVALID_SYNC_TOKEN', 'gone');
    };
    const result = await new ChangeDetector().detect(scripted, { ctag: 'c1', syncToken: 'old' }, false);
    expect(result).toEqual({ kind: 'full', items: [item('a.ics', '"1"', 'A')], cursor: { ctag: 'c2', syncToken: 'tok-c2' } });
    expect(scripted.calls).toEqual(['ctag', 'sync', 'check', 'query+data', 'state']);
  });

  it('lists everything with one calendar-query on a first or forced sync: CTag before it, the token read while it arrives', async () => {
    const detector = new ChangeDetector();
    const scripted = new ScriptedCollection(state('c1'), [item('a.ics', '"1"', 'A'), item('b.ics', '"1"', 'B')]);
    const query = scripted.query.bind(scripted);
    scripted.query = async <T,>(withData: boolean, filter?: QueryFilter, read?: ItemReader<T>): Promise<T[]> => {
      const listed = await query(withData, filter, read);
      scripted.calls.push('query done');
      return listed;
    };
    const first = await detector.detect(scripted, null, false);
    expect(first).toEqual({ kind: 'full', items: [item('a.ics', '"1"', 'A'), item('b.ics', '"1"', 'B')], cursor: { ctag: 'c1', syncToken: 'tok-c1' } });
    // The token's PROPFIND went out with the first listed item, before the listing was over.
    expect(scripted.calls).toEqual(['check', 'query+data', 'state', 'query done']);
    scripted.calls = [];
    const forced = await detector.detect(scripted, { ctag: 'c1', syncToken: 'tok-c1' }, true);
    expect(forced.kind).toBe('full');
    expect(scripted.calls).toEqual(['check', 'query+data', 'state', 'query done']);
    // An empty collection: the token is read once the (empty) listing is over.
    const empty = new ScriptedCollection(state('c0'), []);
    expect(await detector.detect(empty, null, false)).toEqual({ kind: 'full', items: [], cursor: { ctag: 'c0', syncToken: 'tok-c0' } });
    expect(empty.calls).toEqual(['check', 'query+data', 'state']);
  });

  it('keeps no token read after a listing that a write overtook: the CTag before it, and the next sync lists everything again', async () => {
    const detector = new ChangeDetector();
    const scripted = new ScriptedCollection(state('c1'), [item('a.ics', '"1"', 'A')]);
    // The write lands while the listing arrives: the PROPFIND after it shows another CTag.
    const state0 = scripted.state.bind(scripted);
    scripted.state = async () => {
      scripted.current = state('c2');
      return state0();
    };
    const first = await detector.detect(scripted, null, false);
    expect(first.cursor).toEqual({ ctag: 'c1', syncToken: undefined });
    scripted.state = state0;
    scripted.calls = [];
    const next = await detector.detect(scripted, first.cursor, false);
    expect(next).toMatchObject({ kind: 'full', cursor: { ctag: 'c2', syncToken: 'tok-c2' } });
    expect(scripted.calls).toEqual(['state', 'query+data']);
  });

  it('reads the token before the listing on a server without CTag, and none at all on one without sync-collection', async () => {
    const noCtag = new ScriptedCollection({ ctag: undefined, syncToken: 's1', reports: new Set([SYNC, QUERY]) }, [item('a.ics', '"1"', 'A')]);
    expect((await new ChangeDetector().detect(noCtag, null, false)).cursor).toEqual({ ctag: undefined, syncToken: 's1' });
    expect(noCtag.calls).toEqual(['check', 'state', 'query+data']);
    const noSync = new ScriptedCollection(state('c1', [QUERY]), [item('a.ics', '"1"', 'A')]);
    expect((await new ChangeDetector().detect(noSync, null, false)).cursor).toEqual({ ctag: 'c1', syncToken: undefined });
    expect(noSync.calls).toEqual(['check', 'query+data']);
  });

  it('fails the listing when the PROPFIND after it fails, and a failed listing leaves that PROPFIND unobserved but handled', async () => {
    const scripted = new ScriptedCollection(state('c1'), [item('a.ics', '"1"', 'A')]);
    scripted.state = async () => {
      scripted.calls.push('state');
      throw new CalsyncError('PROVIDER_UNAVAILABLE', 'down');
    };
    await expect(new ChangeDetector().detect(scripted, null, false)).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    const query = scripted.query.bind(scripted);
    scripted.query = async <T,>(withData: boolean, filter?: QueryFilter, read?: ItemReader<T>): Promise<T[]> => {
      await query(withData, filter, read); // the first item started the PROPFIND, which fails
      throw new CalsyncError('PROVIDER_REJECTED', 'cut off');
    };
    scripted.listEtags = async () => Promise.reject(new CalsyncError('PROVIDER_TIMEOUT', 'slow'));
    await expect(new ChangeDetector().detect(scripted, null, false)).rejects.toMatchObject({ code: 'PROVIDER_TIMEOUT' });
  });

  it('without sync-collection: diffs etags against what it saw, multigets only what changed, finds removals', async () => {
    const detector = new ChangeDetector();
    const scripted = new ScriptedCollection(state('c1', [QUERY]), [item('a.ics', '"1"', 'A'), item('b.ics', '"1"', 'B')]);
    const first = await detector.detect(scripted, null, false);
    scripted.current = state('c2', [QUERY]);
    scripted.items = [item('b.ics', '"2"', 'B2'), item('c.ics', '"1"', 'C')];
    scripted.calls = [];
    const delta = await detector.detect(scripted, first.cursor, false);
    expect(delta).toEqual({
      kind: 'delta',
      changed: [item('b.ics', '"2"', 'B2'), item('c.ics', '"1"', 'C')],
      removed: ['/cal/a.ics'],
      cursor: { ctag: 'c2', syncToken: undefined },
    });
    expect(scripted.calls).toEqual(['state', 'query', 'multiget(2)']);
  });

  it('without sync-collection and without a snapshot for the cursor (a restart): a full listing', async () => {
    const scripted = new ScriptedCollection(state('c2', [QUERY]), [item('a.ics', '"1"', 'A')]);
    const result = await new ChangeDetector().detect(scripted, { ctag: 'c1', syncToken: undefined }, false);
    expect(result.kind).toBe('full');
  });

  it('on a server without calendar-query: PROPFIND etags plus multiget', async () => {
    const detector = new ChangeDetector();
    const scripted = new ScriptedCollection(state('c1', ['{DAV:}expand-property']), [item('a.ics', '"1"', 'A')]);
    const first = await detector.detect(scripted, null, false);
    expect(first.kind === 'full' && first.items).toEqual([item('a.ics', '"1"', 'A')]);
    expect(scripted.calls).toEqual(['check', 'propfind', 'multiget(1)']);
    scripted.current = state('c2', ['{DAV:}expand-property']);
    scripted.items = [item('a.ics', '"2"', 'A2')];
    scripted.calls = [];
    const delta = await detector.detect(scripted, first.cursor, false);
    expect(delta.kind === 'delta' && delta.changed).toEqual([item('a.ics', '"2"', 'A2')]);
    expect(scripted.calls).toEqual(['state', 'propfind', 'multiget(1)']);
  });

  it('falls back to PROPFIND + multiget when the server refuses calendar-query', async () => {
    const scripted = new ScriptedCollection(state('c1'), [item('a.ics', '"1"', 'A')]);
    scripted.query = async () => {
      scripted.calls.push('query refused');
      throw new CalsyncError('PROVIDER_REJECTED', 'HTTP 403');
    };
    const result = await new ChangeDetector().detect(scripted, null, false);
    expect(result.kind === 'full' && result.items).toEqual([item('a.ics', '"1"', 'A')]);
    expect(scripted.calls).toEqual(['check', 'query refused', 'propfind', 'state', 'multiget(1)']);
    scripted.query = async () => Promise.reject(new CalsyncError('PROVIDER_UNAVAILABLE', 'down'));
    await expect(new ChangeDetector().detect(scripted, null, false)).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
  });

  it('passes on failures other than an invalid token', async () => {
    const scripted = new ScriptedCollection(state('c2'), []);
    scripted.syncCollection = async () => {
      throw new CalsyncError('PROVIDER_UNAVAILABLE', 'down');
    };
    await expect(new ChangeDetector().detect(scripted, { ctag: 'c1', syncToken: 't' }, false)).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
  });

  it('drops changed items that vanished before the multiget', async () => {
    const scripted = new ScriptedCollection(state('c2'), []);
    scripted.syncCollection = async () => ({ changed: [item('gone.ics', '"1"')], removed: [], token: 't2' });
    const result = await new ChangeDetector().detect(scripted, { ctag: 'c1', syncToken: 't1' }, false);
    expect(result).toEqual({ kind: 'delta', changed: [], removed: [], cursor: { ctag: 'c2', syncToken: 't2' } });
  });
});
