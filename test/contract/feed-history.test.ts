/**
 * The WedSync contract's must-show: a client follows the change feed (long poll, through the TypeScript
 * client) while Outlook (the Graph emulator, change notifications on), Radicale, the API, the CLI, a
 * conflict and its resolution, a deletion and a restore change the hub — and across a `kill -9` of
 * `calsync serve`. At the end the followed changes must be exactly the hub's history as the database
 * holds it: every audit entry once, in seq order, with the same version, type and source. No gap, no
 * duplicate, right order.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { davGet, davPut, setLocation } from '../../bench/support/e2e-dav.js';
import { CalsyncClient, type Change } from '../../src/client/index.js';
import { loadConfig } from '../../src/config.js';
import { openRuntime } from '../../src/runtime.js';
import { DAV, MAILBOX, startDeployment, type Deployment } from './deployment.js';

const BIN = resolve(import.meta.dirname, '../../bin/calsync.js');
let d: Deployment;

beforeAll(async () => {
  d = await startDeployment({ davPollS: 1 });
}, 120_000);
afterAll(async () => {
  await d?.close();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('the change feed replays the hub history exactly', () => {
  it('follows Outlook, Radicale, API and CLI edits, a conflict and its resolution, a restore, across kill -9', async () => {
    const client = new CalsyncClient({ baseUrl: d.base, apiKey: d.apiKey, retryDelayMs: 100 });
    await d.start();
    const followed: Change[] = [];
    const stop = new AbortController();
    const following = (async () => {
      for await (const change of client.followChanges({ wait: 5, limit: 7, signal: stop.signal })) followed.push(change);
    })();
    const seen = (pred: (c: Change) => boolean): Promise<Change> => until('a change in the feed', async () => followed.find(pred));
    const davSource = (c: Change) => c.source.kind === 'calendar' && c.source.calendarId === d.davCalendarId;
    const outlookSource = (c: Change) => c.source.kind === 'calendar' && c.source.calendarId === d.outlookCalendarId;

    // The first syncs import the seeded ceremony (Outlook) and reception (Radicale).
    const ceremony = await seen((c) => c.type === 'event.created' && c.event.title.startsWith('Ceremony'));
    const reception = await seen((c) => c.type === 'event.created' && c.event.title.startsWith('Reception'));
    expect(outlookSource(ceremony)).toBe(true);
    expect(davSource(reception)).toBe(true);
    const synced = async (id: string) => ((await client.getEvent(id)).sync.every((s) => s.status === 'synced') && (await client.getEvent(id)).sync.length === 2 ? true : undefined);
    await until('the ceremony in both calendars', () => synced(ceremony.eventId));
    await until('the reception in both calendars', () => synced(reception.eventId));
    await until('the Graph subscription', async () => (d.emulator.admin.subscriptions().length > 0 ? true : undefined));

    // API edits: a WedSync event with its own id, then an upsert of it.
    const tasting = await client.createEvent({ title: 'Menu tasting', start: '2027-08-19T12:00:00Z', end: '2027-08-19T13:00:00Z', externalId: 'ws-tasting-1' });
    await client.createEvent({ title: 'Menu tasting', start: '2027-08-19T12:00:00Z', end: '2027-08-19T13:30:00Z', externalId: 'ws-tasting-1' });
    await seen((c) => c.eventId === tasting.id && c.version === 2);

    // Outlook edits the ceremony (a change notification reaches calsync).
    const outlookId = ((await d.emulator.admin.act(MAILBOX, 'GET', '/events?$select=subject')).body as { value: { id: string; subject: string }[] }).value.find((e) => e.subject.startsWith('Ceremony'))?.id;
    await d.emulator.admin.act(MAILBOX, 'PATCH', `/events/${outlookId}`, { location: { displayName: 'Chapel of St Anne' } });
    await seen((c) => c.eventId === ceremony.eventId && outlookSource(c) && c.event.location === 'Chapel of St Anne');

    // Radicale edits the reception (found by the 1 s poll).
    const receptionHref = `${d.calendarUrl}reception.ics`;
    const current = await davGet(receptionHref, DAV);
    expect(await davPut(receptionHref, DAV, setLocation(current.body, 'Rye Lodge Orangery'), current.etag)).toBeLessThan(300);
    await seen((c) => c.eventId === reception.eventId && davSource(c) && c.event.location === 'Rye Lodge Orangery');
    await until('the reception in both calendars again', () => synced(reception.eventId));

    // kill -9 with an API write just answered; the feed client keeps its cursor and waits.
    await client.updateEvent(tasting.id, { location: 'Fennel & Fig kitchen' });
    await d.kill();
    const beforeRestart = followed.length;

    // While calsync is down: Radicale and the CLI change the reception's location differently → a conflict.
    const again = await davGet(receptionHref, DAV);
    expect(await davPut(receptionHref, DAV, setLocation(again.body, 'The Barn at Rye'), again.etag)).toBeLessThan(300);
    await promisify(execFile)(process.execPath, [BIN, 'event', 'update', reception.eventId, '--location', 'Rye Lodge Marquee', '--json'], { env: d.env, timeout: 60_000 });

    await d.start();
    const conflict = await until('the conflict', async () => {
      const res = await fetch(`${d.base}/api/v1/conflicts?status=open`, { headers: { authorization: `Bearer ${d.apiKey}` } });
      const open = (await res.json()) as { id: string; hubEventId: string; fields: string[] }[];
      return open.find((c) => c.hubEventId === reception.eventId);
    });
    expect(conflict.fields).toContain('location');
    expect((await client.getEvent(reception.eventId)).sync.some((s) => s.status === 'conflict' && s.conflictId === conflict.id)).toBe(true);
    const resolved = await fetch(`${d.base}/api/v1/conflicts/${conflict.id}/resolve`, { method: 'POST', headers: { authorization: `Bearer ${d.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ take: 'provider' }) });
    expect(resolved.status).toBe(200);
    await seen((c) => c.eventId === reception.eventId && c.source.kind === 'conflict');

    // A deletion and a restore through the API.
    await client.deleteEvent(tasting.id);
    await client.restoreEvent(tasting.id);
    await seen((c) => c.eventId === tasting.id && c.type === 'event.restored');
    for (const id of [ceremony.eventId, reception.eventId, tasting.id]) await until(`event ${id} settled in both calendars`, () => synced(id));
    // Quiet: nothing new for two seconds.
    let count = -1;
    await until('a quiet feed', async () => {
      const now = followed.length;
      if (now === count) return true;
      count = now;
      await sleep(2_000);
      return undefined;
    });
    stop.abort();
    await following;
    expect(followed.length).toBeGreaterThan(beforeRestart);
    await d.stop();

    // The hub's history as the database holds it.
    const runtime = await openRuntime(loadConfig(d.env));
    try {
      const history = await runtime.store.changes.read(d.tenantId, 0, 100_000);
      const view = (c: { seq: number; auditId: string; version: number; hubEventId?: string; eventId?: string }) => [c.seq, c.auditId, c.version, c.hubEventId ?? c.eventId];
      expect(followed.map(view)).toEqual(history.map(view));
      // No duplicate, strictly increasing, and every kind of change and source was in it.
      expect(new Set(followed.map((c) => c.seq)).size).toBe(followed.length);
      expect(followed.every((c, i) => i === 0 || c.seq > (followed[i - 1]?.seq ?? 0))).toBe(true);
      expect(new Set(followed.map((c) => c.type))).toEqual(new Set(['event.created', 'event.updated', 'event.deleted', 'event.restored']));
      const sources = new Set(followed.map((c) => (c.source.kind === 'calendar' ? c.source.calendarId : c.source.kind)));
      for (const s of [d.outlookCalendarId, d.davCalendarId, 'api', 'cli', 'conflict', 'restore']) expect(sources).toContain(s);
      // Versions per event count up by one, from one.
      const byEvent = new Map<string, number[]>();
      for (const c of followed) byEvent.set(c.eventId, [...(byEvent.get(c.eventId) ?? []), c.version]);
      for (const versions of byEvent.values()) expect(versions).toEqual(versions.map((_, i) => i + 1));
    } finally {
      await runtime.close();
    }
  }, 300_000);
});

