/**
 * The CalDAV provider against REAL Radicale, Xandikos, Cyrus and DAViCal: discovery, request counts of change
 * detection, an invalid sync-token turning into a full resync that still shows deletions, and a server
 * killed mid-run (typed errors, circuit opens, recovery after restart).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/util/clock.js';
import { CalsyncError } from '../../src/errors.js';
import { serializeIcal } from '../../src/ical/index.js';
import { CalDavProvider } from '../../src/providers/caldav/caldav-provider.js';
import { encodeCursor } from '../../src/providers/caldav/cursor.js';
import type { FetchLike } from '../../src/providers/caldav/dav-client.js';
import { unguardedFetch } from '../../src/net/http-fetch.js';
import type { ChangeSet } from '../../src/providers/types.js';
import { makeEvent } from '../support/events.js';
import { mkcalendar, startRadicale, type DavServer } from '../support/radicale.js';
import { startXandikos } from '../support/xandikos.js';
import { cyrusMkcalendar, startCyrus, type CyrusServer } from '../support/cyrus.js';
import { davicalMkcalendar, davicalSql, startDavical, type DavicalServer } from '../support/davical.js';

const AUTH = { Authorization: `Basic ${Buffer.from('test:x').toString('base64')}` };

async function rawPut(url: string, body: string): Promise<void> {
  const res = await fetch(url, { method: 'PUT', headers: { ...AUTH, 'Content-Type': 'text/calendar' }, body });
  if (res.status >= 300) throw new Error(`PUT ${url}: ${res.status}`);
}

async function rawDelete(url: string): Promise<void> {
  const res = await fetch(url, { method: 'DELETE', headers: AUTH });
  if (res.status >= 300) throw new Error(`DELETE ${url}: ${res.status}`);
}

function full(changes: ChangeSet): Extract<ChangeSet, { kind: 'full' }> {
  if (changes.kind !== 'full') throw new Error(`expected full, got ${changes.kind}`);
  return changes;
}

async function failure(promise: Promise<unknown>): Promise<CalsyncError> {
  const error: unknown = await promise.then(() => undefined, (e: unknown) => e);
  if (!(error instanceof CalsyncError)) throw new Error(`expected a CalsyncError, got ${String(error)}`);
  return error;
}

interface Setup {
  start(): Promise<DavServer>;
  newCalendar(server: DavServer): Promise<string>;
  /** A sync-token the server has never issued. */
  bogusToken: string;
  /**
   * DAViCal 1.1 selects changes with `sync_time >= token time` (inclusive, transaction timestamps):
   * a delta may repeat an item it already reported — never miss one.
   */
  deltaMayRepeat?: boolean;
}

const SERVERS: Array<[string, Setup]> = [
  ['Radicale', { start: startRadicale, newCalendar: (s) => mkcalendar(s.url, 'test', `c-${randomUUID()}`), bogusToken: 'http://radicale.org/ns/sync/0000000000000000000000000000000000000000000000000000000000000000' }],
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
      bogusToken: '0000000000000000000000000000000000000000',
    },
  ],
  // Cyrus's tokens are `data:,<uidvalidity>-<modseq>`: a modseq it never reached is invalid.
  ['Cyrus', { start: startCyrus, newCalendar: (s) => cyrusMkcalendar(s as CyrusServer, `c-${randomUUID()}`), bogusToken: 'data:,1-999999999' }],
  // DAViCal's tokens are `data:,<sync_change id>`.
  ['DAViCal', { start: startDavical, newCalendar: (s) => davicalMkcalendar(s as DavicalServer, `c-${randomUUID()}`), bogusToken: 'data:,999999999', deltaMayRepeat: true }],
];

describe.each(SERVERS)('CalDAV provider on real %s', (_name, setup) => {
  let server: DavServer;
  const provider = (options: Partial<ConstructorParameters<typeof CalDavProvider>[0]> = {}): CalDavProvider =>
    new CalDavProvider({ url: server.url, username: 'test', password: 'x', allowPrivate: true, resilience: { baseDelayMs: 5 }, ...options });

  beforeAll(async () => {
    server = await setup.start();
  });
  afterAll(async () => server.stop());
  afterEach(() => {
    vi.useRealTimers();
  });

  it('discovers the calendars from the bare server URL (well-known, principal, home set)', async () => {
    const calendarUrl = await setup.newCalendar(server);
    const p = provider();
    const calendars = await p.listCalendars();
    const mine = calendars.find((c) => c.remoteId === calendarUrl);
    expect(mine).toMatchObject({ writable: true });
    expect(mine?.components).toContain('VEVENT');
    expect(p.stats.requests).toBeLessThanOrEqual(5);
  });

  it('needs 1 request when nothing changed and at most 4 for 10 changed events', async () => {
    const calendarUrl = await setup.newCalendar(server);
    const p = provider();
    const events = Array.from({ length: 20 }, (_, i) => makeEvent({ uid: `count-${i}-${randomUUID()}`, title: `Event ${i}` }));
    const created = await Promise.all(events.map((e) => p.create(calendarUrl, e, { hubId: `hub-${e.uid}` }).then((w) => w.item)));
    const first = full(await p.listChanges(calendarUrl, null));
    expect(first.items).toHaveLength(20);

    let before = p.stats.requests;
    const unchanged = await p.listChanges(calendarUrl, first.cursor);
    expect(unchanged.kind).toBe('unchanged');
    expect(p.stats.requests - before).toBe(1);

    // Ten foreign edits, as a phone would make them.
    for (const item of created.slice(0, 10)) {
      await rawPut(new URL(item.remoteId, calendarUrl).toString(), serializeIcal([{ ...item.event, title: `${item.event.title} (edited)` }]));
    }
    before = p.stats.requests;
    const delta = await p.listChanges(calendarUrl, unchanged.cursor);
    const used = p.stats.requests - before;
    if (delta.kind !== 'delta') throw new Error(`expected delta, got ${delta.kind}`);
    const edited = delta.changed.filter((i) => i.event.title.endsWith('(edited)'));
    expect(edited.map((i) => i.remoteId).sort()).toEqual(created.slice(0, 10).map((i) => i.remoteId).sort());
    const repeated = delta.changed.filter((i) => !edited.includes(i));
    if (setup.deltaMayRepeat) {
      // A repeat is an item as it stands (same etag as created), never a stale or unknown one.
      for (const item of repeated) expect(created.find((c) => c.remoteId === item.remoteId)).toEqual(item);
    } else expect(repeated).toEqual([]);
    expect(delta.removed).toEqual([]);
    expect(used).toBeLessThanOrEqual(4);
    console.info(`[${_name}] requests: no-change sync 1, 10 changed events ${used}`);
  });

  it('never loses a write landing between the check, the listing and the next check (writes injected between requests)', async () => {
    const calendarUrl = await setup.newCalendar(server);
    // A fetch that runs a foreign write before or after one kind of request, once.
    const hooks = new Map<string, () => Promise<void>>();
    const base = unguardedFetch();
    const kindOf = (init: RequestInit): string => {
      const body = typeof init.body === 'string' ? init.body : '';
      if (init.method === 'PROPFIND') return body.includes('sync-token') ? 'state' : body.includes('getctag') ? 'ctag' : 'propfind';
      return body.includes('sync-collection') ? 'sync' : body.includes('calendar-query') ? 'query' : String(init.method);
    };
    const take = (key: string): (() => Promise<void>) | undefined => {
      const hook = hooks.get(key);
      hooks.delete(key);
      return hook;
    };
    const fetch: FetchLike = async (url, init) => {
      const kind = kindOf(init);
      await take(`before ${kind}`)?.();
      const response = await base(url, init);
      const after = take(`after ${kind}`);
      if (!after) return response;
      const text = await response.text();
      await after();
      return new Response(text, { status: response.status, headers: response.headers });
    };
    const p = provider({ fetch });
    const writes: string[] = [];
    const write = (name: string) => async (): Promise<void> => {
      const uid = `race-${name}-${randomUUID()}`;
      writes.push(uid);
      await rawPut(new URL(`${uid}.ics`, calendarUrl).toString(), serializeIcal([makeEvent({ uid, title: name })]));
    };
    await write('initial')();
    const seen = new Set<string>();
    const sync = async (cursor: string | null): Promise<ChangeSet> => {
      const changes = await p.listChanges(calendarUrl, cursor);
      if (changes.kind !== 'unchanged') for (const item of changes.kind === 'full' ? changes.items : changes.changed) seen.add(item.event.uid);
      return changes;
    };

    // Full listing: a write after its PROPFIND (CTag + token), before the calendar-query.
    hooks.set('after state', write('during-full'));
    let changes = await sync(null);
    expect(changes.kind).toBe('full');
    // Delta: a write after the CTag check, before the sync-collection; and one right after it.
    hooks.set('before ctag', write('before-check'));
    hooks.set('after ctag', write('between-check-and-sync'));
    hooks.set('after sync', write('after-sync'));
    changes = await sync(changes.cursor);
    expect(changes.kind).toBe('delta');
    // Whatever the delta missed, the next syncs must show; then the collection settles.
    for (let i = 0; i < 3 && changes.kind !== 'unchanged'; i++) changes = await sync(changes.cursor);
    expect(changes.kind).toBe('unchanged');
    expect([...seen].sort()).toEqual([...writes].sort());
    expect(writes).toHaveLength(5);
  });

  it('turns an invalid sync-token into a full resync that still shows deletions, without losing items', async () => {
    const calendarUrl = await setup.newCalendar(server);
    const p = provider();
    const created = await Promise.all(
      Array.from({ length: 5 }, (_, i) => p.create(calendarUrl, makeEvent({ uid: `tok-${i}-${randomUUID()}` }), { hubId: `h${i}` }).then((w) => w.item)),
    );
    await rawDelete(new URL(created[0]!.remoteId, calendarUrl).toString());
    const stale = encodeCursor({ ctag: 'an-old-ctag', syncToken: setup.bogusToken });
    const listing = full(await p.listChanges(calendarUrl, stale));
    expect(listing.items.map((i) => i.remoteId).sort()).toEqual(created.slice(1).map((i) => i.remoteId).sort());
    expect(listing.problems).toEqual([]);
    // The new cursor works incrementally again.
    expect((await p.listChanges(calendarUrl, listing.cursor)).kind).toBe('unchanged');
  });

  it('reports deletions made by another client in a delta', async () => {
    const calendarUrl = await setup.newCalendar(server);
    const p = provider();
    const a = await p.create(calendarUrl, makeEvent({ uid: `del-a-${randomUUID()}` }), { hubId: 'a' }).then((w) => w.item);
    const b = await p.create(calendarUrl, makeEvent({ uid: `del-b-${randomUUID()}` }), { hubId: 'b' }).then((w) => w.item);
    const first = full(await p.listChanges(calendarUrl, null));
    await rawDelete(new URL(a.remoteId, calendarUrl).toString());
    const delta = await p.listChanges(calendarUrl, first.cursor);
    if (delta.kind !== 'delta') throw new Error(`expected delta, got ${delta.kind}`);
    expect(delta.removed).toEqual([a.remoteId]);
    expect(delta.changed).toEqual([]);
    expect(await p.fetch(calendarUrl, [a.remoteId, b.remoteId])).toEqual([b]);
  });

  it('keeps the server copy as the base: the etag from a write matches the next listing', async () => {
    const calendarUrl = await setup.newCalendar(server);
    const p = provider();
    const created = await p.create(calendarUrl, makeEvent({ uid: `base-${randomUUID()}` }), { hubId: 'h' }).then((w) => w.item);
    const listing = full(await p.listChanges(calendarUrl, null));
    expect(listing.items).toEqual([created]);
  });

  it('survives the server being killed mid-run: typed errors, circuit opens, recovery after restart', async () => {
    const calendarUrl = await setup.newCalendar(server);
    const p = provider({ resilience: { baseDelayMs: 1, maxAttempts: 2, breakerThreshold: 3, halfOpenAfterMs: 5_000 }, timeoutMs: 2_000 });
    const item = await p.create(calendarUrl, makeEvent({ uid: `outage-${randomUUID()}` }), { hubId: 'h' }).then((w) => w.item);
    const first = full(await p.listChanges(calendarUrl, null));
    vi.useFakeTimers({ toFake: ['Date'] });
    await server.kill();

    const down = await failure(p.listChanges(calendarUrl, first.cursor));
    expect(down.code).toBe('PROVIDER_UNAVAILABLE');
    expect(down.retryable).toBe(true);
    await failure(p.fetch(calendarUrl, [item.remoteId]));
    expect(p.circuitState()).toBe('open');
    const fast = await failure(p.update(calendarUrl, item.remoteId, item.event, item.etag, { hubId: 'h' }).then((w) => w.item));
    expect(fast.code).toBe('PROVIDER_CIRCUIT_OPEN');
    expect(fast.retryable).toBe(true);

    await server.start();
    // Still inside the cool-down: fail fast without touching the server.
    const requests = p.stats.requests;
    expect((await failure(p.listChanges(calendarUrl, first.cursor))).code).toBe('PROVIDER_CIRCUIT_OPEN');
    expect(p.stats.requests).toBe(requests);

    vi.setSystemTime(Date.now() + 5_001);
    const after = await p.listChanges(calendarUrl, first.cursor);
    expect(after.kind).toBe('unchanged');
    expect(p.circuitState()).toBe('closed');
    expect(await p.fetch(calendarUrl, [item.remoteId])).toEqual([item]);
  });
});

describe('CalDAV provider on real DAViCal: sync-tokens that expire silently', () => {
  let server: DavicalServer;
  beforeAll(async () => {
    server = await startDavical();
  });
  afterAll(async () => server.stop());

  it('gives up a token older than 6 days for a full listing, so deletions made meanwhile show', async () => {
    const calendarUrl = await davicalMkcalendar(server, `c-${randomUUID()}`);
    const clock = new ManualClock(Date.UTC(2026, 5, 1));
    const p = new CalDavProvider({ url: server.url, username: 'test', password: 'x', allowPrivate: true, clock, resilience: { baseDelayMs: 5 } });
    const [a, b] = await Promise.all(['a', 'b'].map((n) => p.create(calendarUrl, makeEvent({ uid: `exp-${n}-${randomUUID()}` }), { hubId: n }).then((w) => w.item)));
    const first = full(await p.listChanges(calendarUrl, null));
    expect(first.items).toHaveLength(2);

    // A week later: b was deleted by a phone, and DAViCal's new_sync_token() has pruned the old tokens
    // (done here by SQL, as its own clean-up would). Asked with the pruned token DAViCal answers with
    // every member and no removal — the provider must not ask it.
    await rawDelete(new URL(b!.remoteId, calendarUrl).toString());
    davicalSql(server, 'DELETE FROM sync_tokens');
    clock.advance(7 * 24 * 3600_000);
    const later = full(await p.listChanges(calendarUrl, first.cursor));
    expect(later.items.map((i) => i.remoteId)).toEqual([a!.remoteId]);

    // A fresh token is trusted again: the next change comes as a delta.
    await rawDelete(new URL(a!.remoteId, calendarUrl).toString());
    const next = await p.listChanges(calendarUrl, later.cursor);
    if (next.kind !== 'delta') throw new Error(`expected delta, got ${next.kind}`);
    expect(next.removed).toEqual([a!.remoteId]);
  });
});
