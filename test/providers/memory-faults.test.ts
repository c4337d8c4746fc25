/** Fault injection on the memory server: each failure mode real servers have, one at a time. */
import { describe, expect, it } from 'vitest';
import { CalsyncError } from '../../src/errors.js';
import { MemoryCalendarServer } from '../../src/providers/memory/memory-calendar-server.js';
import { MemoryProvider } from '../../src/providers/memory/memory-provider.js';
import { makeEvent } from '../support/events.js';
import { rejection } from './rejection.js';
import { memoryFixture } from './memory-fixture.js';

const HUB = { hubId: 'hub-1' };

describe('memory server faults: failNext', () => {
  it('fails the next request of an operation before it is applied, once', async () => {
    const { server, provider, calendarId } = memoryFixture();
    server.faults.failNext('create', 'PROVIDER_UNAVAILABLE');
    const event = makeEvent();
    expect((await rejection(provider.create(calendarId, event, HUB).then((w) => w.item))).code).toBe('PROVIDER_UNAVAILABLE');
    expect(server.items(calendarId)).toEqual([]);
    await expect(provider.create(calendarId, event, HUB).then((w) => w.item)).resolves.toMatchObject({ hubId: 'hub-1' });
  });

  it('fails as many requests as counted, then lets them through', async () => {
    const { server, provider, calendarId } = memoryFixture();
    server.faults.failNext(['fetch', 'findByUid'], 'PROVIDER_TIMEOUT', { count: 2 });
    expect((await rejection(provider.fetch(calendarId, ['x.ics']))).code).toBe('PROVIDER_TIMEOUT');
    expect((await rejection(provider.findByUid(calendarId, 'x'))).code).toBe('PROVIDER_TIMEOUT');
    expect(server.faults.pending).toBe(0);
    await expect(provider.fetch(calendarId, ['x.ics'])).resolves.toEqual([]);
  });

  it('scopes a fault to one calendar and leaves other operations alone', async () => {
    const { server, provider, calendarId } = memoryFixture();
    const other = server.addCalendar({ name: 'Other' }).remoteId;
    server.faults.failNext('listChanges', 'PROVIDER_UNAVAILABLE', { calendarId });
    await expect(provider.listChanges(other, null)).resolves.toMatchObject({ kind: 'full' });
    await expect(provider.listCalendars()).resolves.toHaveLength(2);
    expect((await rejection(provider.listChanges(calendarId, null))).code).toBe('PROVIDER_UNAVAILABLE');
  });

  it("fails every operation with '*'", async () => {
    const { server, provider, calendarId } = memoryFixture();
    server.faults.failNext('*', 'PROVIDER_AUTH', { count: 3 });
    expect((await rejection(provider.listCalendars())).code).toBe('PROVIDER_AUTH');
    expect((await rejection(provider.delete(calendarId, 'a.ics', '"e"'))).code).toBe('PROVIDER_AUTH');
    const auth = await rejection(provider.update(calendarId, 'a.ics', makeEvent(), '"e"', HUB).then((w) => w.item));
    expect(auth.retryable).toBe(false);
  });

  it('applies a write and then fails it (lost response), so the retried create meets PROVIDER_CONFLICT', async () => {
    const { server, provider, calendarId } = memoryFixture();
    server.faults.failNext('create', 'PROVIDER_TIMEOUT', { afterCommit: true });
    const event = makeEvent();
    expect((await rejection(provider.create(calendarId, event, HUB).then((w) => w.item))).code).toBe('PROVIDER_TIMEOUT');
    expect((await rejection(provider.create(calendarId, event, HUB).then((w) => w.item))).code).toBe('PROVIDER_CONFLICT');
    const found = await provider.findByUid(calendarId, event.uid);
    expect(found?.hubId).toBe('hub-1');
  });

  it('copies an injected error instance and calls an error factory with the operation', async () => {
    const { server, provider, calendarId } = memoryFixture();
    const template = new CalsyncError('PROVIDER_UNAVAILABLE', 'server down for maintenance', { retryAfterS: 120, details: { host: 'p01' } });
    server.faults.failNext('listCalendars', template, { count: 2 });
    const first = await rejection(provider.listCalendars());
    const second = await rejection(provider.listCalendars());
    expect(first).not.toBe(template);
    expect(first).not.toBe(second);
    expect(first).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', message: 'server down for maintenance', retryAfterS: 120, details: { host: 'p01' } });
    server.faults.failNext('fetch', (op) => new CalsyncError('PROVIDER_REJECTED', `no ${op} today`));
    expect((await rejection(provider.fetch(calendarId, ['a.ics']))).message).toBe('no fetch today');
  });

  it('ignores a fault scheduled for zero requests', async () => {
    const { server, provider } = memoryFixture();
    server.faults.failNext('*', 'PROVIDER_UNAVAILABLE', { count: 0 });
    server.faults.raceNextWrite({ count: 0 });
    expect(server.faults.pending).toBe(0);
    await expect(provider.listCalendars()).resolves.toHaveLength(1);
  });

  it('forgets everything on clear()', async () => {
    const { server, provider } = memoryFixture();
    server.faults.failNext('*', 'PROVIDER_UNAVAILABLE', { count: 5 });
    server.faults.raceNextWrite();
    server.faults.failRandomly('*', 1, 'PROVIDER_UNAVAILABLE');
    expect(server.faults.pending).toBe(6);
    server.faults.clear();
    expect(server.faults.pending).toBe(0);
    await expect(provider.listCalendars()).resolves.toHaveLength(1);
  });
});

describe('memory server faults: throttling and listings', () => {
  it('throttles with Retry-After, and counts the refused request', async () => {
    const { server, provider } = memoryFixture();
    server.faults.throttle('*', 30);
    const error = await rejection(provider.listCalendars());
    expect(error).toMatchObject({ code: 'PROVIDER_THROTTLED', retryAfterS: 30, retryable: true });
    expect(provider.stats.requests).toBe(1);
  });

  it('fails a listing with PROVIDER_LISTING_FAILED instead of answering empty', async () => {
    const { server, provider, calendarId } = memoryFixture();
    const created = await provider.create(calendarId, makeEvent(), HUB).then((w) => w.item);
    server.faults.failListings({ count: 2 });
    const error = await rejection(provider.listChanges(calendarId, null));
    expect(error).toMatchObject({ code: 'PROVIDER_LISTING_FAILED', retryable: true });
    expect((await rejection(provider.listChanges(calendarId, null, { full: true }))).code).toBe('PROVIDER_LISTING_FAILED');
    const listing = await provider.listChanges(calendarId, null);
    expect(listing.kind === 'full' ? listing.items : []).toEqual([created]);
  });
});

describe('memory server faults: random failures', () => {
  async function pattern(seed: number, rate: number): Promise<boolean[]> {
    const server = new MemoryCalendarServer({ seed });
    server.addCalendar();
    server.faults.failRandomly('listCalendars', rate, 'PROVIDER_UNAVAILABLE');
    const provider = new MemoryProvider(server);
    const outcomes: boolean[] = [];
    for (let i = 0; i < 40; i += 1) outcomes.push(await provider.listCalendars().then(() => true, () => false));
    return outcomes;
  }

  it('fails at the given rate, the same way for the same seed', async () => {
    const a = await pattern(7, 0.5);
    expect(await pattern(7, 0.5)).toEqual(a);
    expect(a).toContain(true);
    expect(a).toContain(false);
    expect(await pattern(8, 0.5)).not.toEqual(a);
    expect(await pattern(7, 0)).not.toContain(false);
    expect(await pattern(7, 1)).not.toContain(true);
  });
});

describe('memory server faults: races (another client writes between our read and our write)', () => {
  it('turns an update with a fresh etag into PROVIDER_PRECONDITION_FAILED; the retry with the new etag wins', async () => {
    const { server, provider, calendarId } = memoryFixture();
    const created = await provider.create(calendarId, makeEvent(), HUB).then((w) => w.item);
    server.faults.raceNextWrite();
    const error = await rejection(provider.update(calendarId, created.remoteId, { ...created.event, title: 'Ours' }, created.etag, HUB).then((w) => w.item));
    expect(error.code).toBe('PROVIDER_PRECONDITION_FAILED');
    const [current] = await provider.fetch(calendarId, [created.remoteId]);
    expect(current?.etag).not.toBe(created.etag);
    expect(current?.event.sequence).toBe(created.event.sequence + 1);
    expect(current?.hubId).toBe('hub-1');
    const retried = await provider.update(calendarId, created.remoteId, { ...created.event, title: 'Ours' }, current?.etag ?? '', HUB).then((w) => w.item);
    expect(retried.event.title).toBe('Ours');
  });

  it('turns a delete into PROVIDER_PRECONDITION_FAILED with the other client’s edit applied', async () => {
    const { server, provider, calendarId } = memoryFixture();
    const created = await provider.create(calendarId, makeEvent(), HUB).then((w) => w.item);
    server.faults.raceNextWrite({ mutate: (e) => ({ ...e, location: 'Moved by the venue' }) });
    expect((await rejection(provider.delete(calendarId, created.remoteId, created.etag))).code).toBe('PROVIDER_PRECONDITION_FAILED');
    expect(server.items(calendarId)[0]?.event.location).toBe('Moved by the venue');
  });

  it('makes a create meet a foreign copy of the same UID (PROVIDER_CONFLICT), without our hub id', async () => {
    const { server, provider, calendarId } = memoryFixture();
    server.faults.raceNextWrite({ ops: ['create'], calendarId });
    const event = makeEvent();
    expect((await rejection(provider.create(calendarId, event, HUB).then((w) => w.item))).code).toBe('PROVIDER_CONFLICT');
    const found = await provider.findByUid(calendarId, event.uid);
    expect(found?.event.title).toBe(event.title);
    expect(found?.hubId).toBeUndefined();
  });

  it('does not fire on other operations or calendars', async () => {
    const { server, provider, calendarId } = memoryFixture();
    const other = server.addCalendar().remoteId;
    server.faults.raceNextWrite({ calendarId: other });
    const created = await provider.create(calendarId, makeEvent(), HUB).then((w) => w.item);
    await expect(provider.update(calendarId, created.remoteId, created.event, created.etag, HUB).then((w) => w.item)).resolves.toMatchObject({ remoteId: created.remoteId });
    expect(server.faults.pending).toBe(1);
  });
});
