/**
 * Issue 9, finding 3, on REAL Radicale and Xandikos: their CTag (and Xandikos's sync-token) are content
 * hashes, so after calsync creates an event and another client deletes it, the calendar is back at the
 * cursor calsync stored before its write, and the listing says "unchanged". The deletion must still
 * reach the hub and every other calendar. The same for another client restoring the exact content
 * calsync replaced.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeEvent } from '../support/events.js';
import { mkcalendar, startRadicale, type DavServer } from '../support/radicale.js';
import { startXandikos } from '../support/xandikos.js';
import { makeCalDavHub, type CalDavHub } from './engine-hub.js';

const AUTH = { Authorization: `Basic ${Buffer.from('test:x').toString('base64')}` };

/** Another client: a raw HTTP request, not through calsync. */
async function raw(method: string, url: string, body?: string): Promise<void> {
  const res = await fetch(url, { method, headers: { ...AUTH, ...(body === undefined ? {} : { 'Content-Type': 'text/calendar' }) }, ...(body === undefined ? {} : { body }) });
  if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status}`);
}

async function rawGet(url: string): Promise<string> {
  const res = await fetch(url, { headers: AUTH });
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
  return res.text();
}

interface Setup {
  start(): Promise<DavServer>;
  newCalendar(server: DavServer): Promise<string>;
}

const SERVERS: Array<[string, Setup]> = [
  ['Radicale', { start: startRadicale, newCalendar: (s) => mkcalendar(s.url, 'test', `c-${randomUUID()}`) }],
  [
    'Xandikos',
    {
      start: startXandikos,
      newCalendar: async (s) => {
        const url = new URL(`/user/calendars/c-${randomUUID()}/`, s.url).toString();
        const res = await fetch(url, { method: 'MKCALENDAR' });
        if (res.status !== 201) throw new Error(`MKCALENDAR ${res.status}`);
        return url;
      },
    },
  ],
];

describe.each(SERVERS)('an own write undone by another client on real %s', (_name, setup) => {
  let server: DavServer;
  let hub: CalDavHub;

  beforeAll(async () => {
    server = await setup.start();
  });
  afterAll(async () => server.stop());
  afterEach(async () => hub.close());

  async function fresh(): Promise<{ calendarUrl: string }> {
    const calendarUrl = await setup.newCalendar(server);
    hub = await makeCalDavHub(server.url, calendarUrl);
    await hub.syncDav();
    await hub.syncOther();
    return { calendarUrl };
  }

  it('a deletion right after our create is seen: deleted in the hub and in the other calendar', async () => {
    const { calendarUrl } = await fresh();
    const before = (await hub.store.syncState.get(hub.tenantId, hub.dav.id)).cursor;
    const event = await hub.store.events.put(hub.tenantId, { event: makeEvent({ title: 'Tasting' }), source: 'wedsync' });
    expect((await hub.syncDav()).remote.created).toBe(1);
    expect((await hub.syncOther()).remote.created).toBe(1);
    const link = await hub.store.links.getByHubEvent(hub.tenantId, hub.dav.id, event.id);
    if (!link) throw new Error('link expected');

    await raw('DELETE', new URL(link.remoteId, calendarUrl).toString());
    // The server is back at the cursor read before our write: it really answers "unchanged".
    expect(await hub.caldav.listChanges(calendarUrl, before ?? null)).toMatchObject({ kind: 'unchanged' });

    const report = await hub.syncDav();
    expect(report.hub.deleted).toBe(1);
    expect((await hub.store.events.get(hub.tenantId, event.id, { includeDeleted: true }))?.deletedAt).toBeDefined();
    expect((await hub.syncOther()).remote.deleted).toBe(1);
    expect(hub.otherServer.items(hub.other.remoteId)).toEqual([]);
    // Then quiet: one CTag request, nothing planned.
    const quiet = await hub.syncDav();
    expect(quiet.plan).toEqual([]);
  });

  it("another client putting back the exact content we replaced is taken as that client's edit", async () => {
    const { calendarUrl } = await fresh();
    const event = await hub.store.events.put(hub.tenantId, { event: makeEvent({ title: 'Menu v1' }), source: 'wedsync' });
    await hub.syncDav();
    await hub.syncOther();
    await hub.syncDav(); // the cursor now includes our create
    const link = await hub.store.links.getByHubEvent(hub.tenantId, hub.dav.id, event.id);
    if (!link) throw new Error('link expected');
    const url = new URL(link.remoteId, calendarUrl).toString();
    const v1 = await rawGet(url);

    const current = (await hub.store.events.get(hub.tenantId, event.id))!;
    await hub.store.events.put(hub.tenantId, { id: event.id, event: { ...current.event, title: 'Menu v2' }, expectedVersion: current.version, source: 'wedsync' });
    expect((await hub.syncDav()).remote.updated).toBe(1);

    await raw('PUT', url, v1);
    // Same bytes, same content hash: the CTag is the one stored with the cursor again.
    expect(await hub.caldav.listChanges(calendarUrl, (await hub.store.syncState.get(hub.tenantId, hub.dav.id)).cursor ?? null)).toMatchObject({ kind: 'unchanged' });

    const report = await hub.syncDav();
    expect(report.hub.updated).toBe(1);
    expect((await hub.store.events.get(hub.tenantId, event.id))?.event.title).toBe('Menu v1');
    await hub.syncOther();
    expect(hub.otherServer.items(hub.other.remoteId)[0]?.event.title).toBe('Menu v1');
  });
});
