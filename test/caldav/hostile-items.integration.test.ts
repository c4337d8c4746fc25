/**
 * Issue 9, finding 5, against a hostile-but-valid CalDAV server (a loopback proxy in front of REAL
 * Radicale serving broken iCalendar inside a good multistatus): an item calsync cannot read — no
 * END:VCALENDAR, garbage, 10,000 nested VALARMs, an invalid DTSTART, no UID — changes no hub event,
 * deletes nothing anywhere (not in the hub, not in a second calendar linked to the same events), and is
 * reported per item as a blocking error, retried next sync.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HubEvent } from '../../src/model/event.js';
import { makeEvent } from '../support/events.js';
import { hostileBodies, startHostileProxy, type HostileProxy } from '../support/hostile-caldav-proxy.js';
import { mkcalendar, startRadicale, type DavServer } from '../support/radicale.js';
import { makeCalDavHub, type CalDavHub } from './engine-hub.js';

let server: DavServer;
let proxy: HostileProxy;
let hub: CalDavHub;

beforeAll(async () => {
  server = await startRadicale();
  proxy = await startHostileProxy(server.url);
});
afterAll(async () => {
  await proxy.close();
  await server.stop();
});
afterEach(async () => hub.close());

/** `n` hub events synced to a fresh Radicale calendar (through the proxy) and to the memory calendar. */
async function linked(n: number): Promise<{ calendarUrl: string; events: HubEvent[] }> {
  const upstreamUrl = await mkcalendar(server.url, 'test', `c-${randomUUID()}`);
  const calendarUrl = new URL(new URL(upstreamUrl).pathname, proxy.url).toString();
  hub = await makeCalDavHub(proxy.url, calendarUrl);
  const events: HubEvent[] = [];
  for (let i = 0; i < n; i += 1) events.push(await hub.store.events.put(hub.tenantId, { event: makeEvent({ title: `Event ${i}` }), source: 'wedsync' }));
  expect((await hub.syncDav()).remote.created).toBe(n);
  expect((await hub.syncOther()).remote.created).toBe(n);
  return { calendarUrl, events };
}

async function remoteIdOf(hubEventId: string): Promise<string> {
  const link = await hub.store.links.getByHubEvent(hub.tenantId, hub.dav.id, hubEventId);
  if (!link) throw new Error(`no link for ${hubEventId}`);
  return link.remoteId;
}

/** Hub events as (id, version, deleted) — what must not move. */
async function hubState(): Promise<string[]> {
  return (await hub.hubEvents()).map((e) => `${e.id}@${e.version}${e.deletedAt ? ' deleted' : ''}`).sort();
}

describe('unreadable items served by a hostile CalDAV server', () => {
  it('all 15 unreadable (every kind of breakage): the hub is unchanged, each item is reported, the other calendar loses nothing', async () => {
    const { events } = await linked(15);
    const before = await hubState();
    const hrefs: string[] = [];
    for (const [i, e] of events.entries()) {
      const href = await remoteIdOf(e.id);
      const kinds = Object.values(hostileBodies(e.event.uid));
      proxy.corrupt(href, kinds[i % kinds.length] ?? '');
      hrefs.push(href);
    }

    const report = await hub.syncDav({ full: true });
    expect(report.hub).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(report.remote).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(report.errors.map((e) => e.remoteId).sort()).toEqual([...hrefs].sort());
    expect(report.errors.every((e) => e.code === 'PROVIDER_ITEM_UNREADABLE' && e.blocking)).toBe(true);
    expect(new Set(report.problems.map((p) => p.remoteId))).toEqual(new Set(hrefs));
    expect(await hubState()).toEqual(before);
    expect(await hub.store.links.countByCalendar(hub.tenantId, hub.dav.id)).toBe(15);

    // An incremental sync afterwards does nothing either, and the other calendar keeps every event.
    expect((await hub.syncDav()).hub.deleted).toBe(0);
    const other = await hub.syncOther();
    expect(other.remote.deleted).toBe(0);
    expect(hub.otherServer.items(hub.other.remoteId)).toHaveLength(15);
    expect(await hubState()).toEqual(before);
  });

  it('one unreadable item: its hub event is neither re-created nor deleted, in the hub or the other calendar; readable again, it syncs', async () => {
    const { events } = await linked(15);
    const target = events[3]!;
    const href = await remoteIdOf(target.id);
    proxy.corrupt(href, hostileBodies(target.event.uid).badStart ?? '');
    const before = await hubState();

    const dry = await hub.syncDav({ full: true, dryRun: true });
    expect(dry.plan).toEqual([]);
    expect(dry.errors).toEqual([expect.objectContaining({ code: 'PROVIDER_ITEM_UNREADABLE', remoteId: href, hubEventId: target.id })]);
    const report = await hub.syncDav({ full: true });
    expect(report.plan).toEqual([]);
    expect(report.errors).toEqual([expect.objectContaining({ code: 'PROVIDER_ITEM_UNREADABLE', remoteId: href, hubEventId: target.id, blocking: true })]);
    expect(await hubState()).toEqual(before);
    expect((await hub.syncOther()).remote.deleted).toBe(0);
    expect(hub.otherServer.items(hub.other.remoteId)).toHaveLength(15);

    proxy.heal(href);
    const healed = await hub.syncDav({ full: true });
    expect(healed.errors).toEqual([]);
    expect(await hubState()).toEqual(before);
  });

  it('an item edited elsewhere and served broken while the hub edits it too: held, no conflict, no write', async () => {
    const { events } = await linked(3);
    const target = events[0]!;
    const href = await remoteIdOf(target.id);
    // Another client really changes it (the listing has a delta), and the server serves it broken.
    const upstream = new URL(href, server.url).toString();
    const original = await (await fetch(upstream)).text();
    const put = await fetch(upstream, { method: 'PUT', headers: { 'Content-Type': 'text/calendar' }, body: original.replace(/SUMMARY:[^\r\n]*/, 'SUMMARY:Changed elsewhere') });
    expect(put.status).toBeLessThan(300);
    proxy.corrupt(href, hostileBodies(target.event.uid).noUid ?? '');
    const current = (await hub.store.events.get(hub.tenantId, target.id))!;
    await hub.store.events.put(hub.tenantId, { id: target.id, event: { ...current.event, location: 'Barn' }, expectedVersion: current.version, source: 'wedsync' });
    const before = await hubState();

    const report = await hub.syncDav();
    expect(report.listing).toBe('delta');
    expect(report.plan).toEqual([]);
    expect(report.errors).toEqual([expect.objectContaining({ code: 'PROVIDER_ITEM_UNREADABLE', remoteId: href, blocking: true })]);
    expect(await hub.store.conflicts.list(hub.tenantId, { status: 'open' })).toEqual([]);
    expect(await hubState()).toEqual(before);
  });
});
