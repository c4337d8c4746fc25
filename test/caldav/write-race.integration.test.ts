/**
 * Issue 9, finding 1 on CalDAV, on real Radicale and real Xandikos: another client's PUT that lands
 * between calsync's PUT and the GET reading the stored copy back must not become the link's base (and be
 * reverted on the next sync as "hub edited, calendar same"). calsync talks to the server through a
 * delaying proxy that holds the read-back GET while the other client PUTs straight to the server.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CalendarEvent, HubEvent } from '../../src/model/event.js';
import { CalDavProvider } from '../../src/providers/caldav/caldav-provider.js';
import { openStore, type SqlStore } from '../../src/store/open.js';
import type { CalendarRecord } from '../../src/store/types.js';
import { syncCalendar, type SyncReport } from '../../src/sync/engine.js';
import { ManualClock } from '../../src/util/clock.js';
import { startDelayingProxy, type DelayingProxy } from '../support/delaying-proxy.js';
import { makeEvent } from '../support/events.js';
import { mkcalendar, startRadicale, type DavServer } from '../support/radicale.js';
import { startXandikos } from '../support/xandikos.js';

const AUTH = { Authorization: `Basic ${Buffer.from('test:x').toString('base64')}` };

/** The other client: reads the resource straight from the server and PUTs it back with a new LOCATION. */
async function moveLocation(serverUrl: string, path: string, location: string): Promise<void> {
  const url = new URL(path, serverUrl).toString();
  const got = await fetch(url, { headers: AUTH });
  if (got.status !== 200) throw new Error(`GET ${url}: ${got.status}`);
  const etag = got.headers.get('etag');
  const text = (await got.text()).replace(/^LOCATION[^\r\n]*(\r?\n[ \t][^\r\n]*)*/m, `LOCATION:${location}`);
  const put = await fetch(url, { method: 'PUT', headers: { ...AUTH, 'Content-Type': 'text/calendar', ...(etag ? { 'If-Match': etag } : {}) }, body: text });
  if (put.status >= 300) throw new Error(`PUT ${url}: ${put.status} ${await put.text()}`);
}

interface Rig {
  proxy: DelayingProxy;
  store: SqlStore;
  tenantId: string;
  calendar: CalendarRecord;
  provider: CalDavProvider;
  sync(): Promise<SyncReport>;
  hub(id: string): Promise<HubEvent>;
  close(): Promise<void>;
}

async function rig(server: DavServer, calendarPath: string): Promise<Rig> {
  const proxy = await startDelayingProxy(server.url);
  const dataDir = mkdtempSync(join(tmpdir(), 'calsync-caldav-race-'));
  const clock = new ManualClock();
  const store = await openStore({ databaseUrl: 'sqlite::memory:', dataDir, clock });
  const tenant = await store.tenants.ensureDefault();
  const integration = await store.integrations.create(tenant.id, { provider: 'caldav', name: 'dav', config: {}, credentials: {} });
  const calendar = await store.calendars.upsert(tenant.id, integration.id, { remoteId: new URL(calendarPath, proxy.url).toString(), name: 'Weddings', enabled: true });
  const provider = new CalDavProvider({ url: proxy.url, username: 'test', password: 'x', allowPrivate: true, resilience: { baseDelayMs: 10 } });
  return {
    proxy,
    store,
    tenantId: tenant.id,
    calendar,
    provider,
    sync: () => syncCalendar({ store, provider, clock }, { tenantId: tenant.id, calendarId: calendar.id }),
    async hub(id) {
      const e = await store.events.get(tenant.id, id);
      if (!e) throw new Error(`hub event ${id} missing`);
      return e;
    },
    async close() {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
      await proxy.close();
    },
  };
}

let radicale: DavServer;
let xandikos: DavServer;
beforeAll(async () => {
  [radicale, xandikos] = await Promise.all([startRadicale(), startXandikos()]);
});
afterAll(async () => {
  await Promise.all([radicale?.stop(), xandikos?.stop()]);
});

const servers: { name: string; server: () => DavServer; calendar: () => Promise<string> }[] = [
  { name: 'Radicale', server: () => radicale, calendar: async () => new URL(await mkcalendar(radicale.url, 'test', `c-${randomUUID()}`)).pathname },
  {
    name: 'Xandikos',
    server: () => xandikos,
    calendar: async () => {
      const path = `/user/calendars/c-${randomUUID()}/`;
      const res = await fetch(new URL(path, xandikos.url), { method: 'MKCALENDAR' });
      if (res.status !== 201) throw new Error(`MKCALENDAR on Xandikos: ${res.status}`);
      return path;
    },
  },
];

for (const { name, server, calendar } of servers) {
  describe(`CalDAV on ${name}: a third-party PUT in the write → read-back window`, () => {
    let r: Rig;
    afterEach(async () => {
      await r.close();
    });

    it('merges the other client’s location into the hub and keeps it on the server (never reverted)', async () => {
      r = await rig(server(), await calendar());
      const event: CalendarEvent = makeEvent({ title: 'Tasting', location: 'The Old Barn' });
      const hub = await r.store.events.put(r.tenantId, { event, source: 'api' });
      await r.sync();
      const link = await r.store.links.getByHubEvent(r.tenantId, r.calendar.id, hub.id);
      if (!link) throw new Error('not linked');

      await r.store.events.put(r.tenantId, { id: hub.id, event: { ...hub.event, title: 'Tasting with the chef' }, expectedVersion: hub.version, source: 'api' });
      const from = r.proxy.seen.length;
      r.proxy.hold({
        // Our read-back: the GET of the resource after our PUT of it.
        when: (req, seen) => req.method === 'GET' && req.path === link.remoteId && seen.slice(from).some((s) => s.method === 'PUT' && s.path === link.remoteId),
        meanwhile: () => moveLocation(server().url, link.remoteId, 'The Boathouse'),
      });
      const pushed = await r.sync();
      expect(r.proxy.held).toBe(true);
      expect(pushed.remote.updated).toBe(1);

      await r.sync();
      await r.sync();
      const after = await r.hub(hub.id);
      expect(await r.store.conflicts.list(r.tenantId, { status: 'open' })).toEqual([]);
      expect(after.event.location).toBe('The Boathouse');
      expect(after.event.title).toBe('Tasting with the chef');
      const [stored] = await r.provider.fetch(r.calendar.remoteId, [link.remoteId]);
      expect(stored?.event.location).toBe('The Boathouse');
      expect(stored?.event.title).toBe('Tasting with the chef');
      const history = await r.store.events.history(r.tenantId, hub.id);
      expect(history.some((h) => h.source === `calendar:${r.calendar.id}` && h.after?.location === 'The Boathouse')).toBe(true);
    });
  });
}
