/** MemoryProvider specifics beyond the conformance suite: capabilities, accounts, batching, scale. */
import { describe, expect, it } from 'vitest';
import { CalsyncError } from '../../src/errors.js';
import { MemoryProvider, remoteIdForUid } from '../../src/providers/memory/memory-provider.js';
import { makeEvent, makeRecurringEvent } from '../support/events.js';
import { memoryFixture } from './memory-fixture.js';
import { rejection } from './rejection.js';

const HUB = { hubId: 'hub-1' };

describe('MemoryProvider', () => {
  it('reports its capabilities, with defaults like Outlook’s concurrency limit', () => {
    const { provider } = memoryFixture();
    expect(provider.kind).toBe('memory');
    expect(provider.capabilities).toMatchObject({ incremental: true, push: false, maxConcurrency: 4 });
    expect(provider.capabilities.supportsRecurrence('FREQ=DAILY')).toBe(true);
    const custom = memoryFixture({}, { kind: 'outlook-like', push: true, maxConcurrency: 2, incremental: false }).provider;
    expect(custom).toMatchObject({ kind: 'outlook-like', capabilities: { push: true, maxConcurrency: 2, incremental: false } });
  });

  it('rejects a recurrence the remote system cannot express, and stores nothing', async () => {
    const noHourly = (rrule: string): boolean => !rrule.includes('FREQ=HOURLY');
    const { server, provider, calendarId } = memoryFixture({}, { supportsRecurrence: noHourly });
    const event = makeRecurringEvent({ recurrence: { rrules: ['FREQ=HOURLY;COUNT=3'], rdates: [], exdates: [] } });
    const error = await provider.create(calendarId, event, HUB).then((w) => w.item).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PROVIDER_REJECTED', details: { uid: event.uid, rrules: ['FREQ=HOURLY;COUNT=3'] } });
    expect(server.items(calendarId)).toEqual([]);
    const weekly = await provider.create(calendarId, makeRecurringEvent(), HUB).then((w) => w.item);
    const hourly = { ...weekly.event, recurrence: { rrules: ['FREQ=HOURLY'], rdates: [], exdates: [] } };
    expect((await rejection(provider.update(calendarId, weekly.remoteId, hourly, weekly.etag, HUB).then((w) => w.item))).code).toBe('PROVIDER_REJECTED');
  });

  it('sees only its own account’s calendars', async () => {
    const { server, provider } = memoryFixture();
    const foreign = server.addCalendar({ account: 'someone-else', name: 'Theirs' }).remoteId;
    expect((await provider.listCalendars()).map((c) => c.name)).toEqual(['Weddings']);
    expect((await rejection(provider.listChanges(foreign, null))).code).toBe('PROVIDER_NOT_FOUND');
    expect((await rejection(provider.create(foreign, makeEvent(), HUB).then((w) => w.item))).code).toBe('PROVIDER_NOT_FOUND');
    const theirs = new MemoryProvider(server, { account: 'someone-else' });
    expect((await theirs.listCalendars()).map((c) => c.remoteId)).toEqual([foreign]);
  });

  it('rejects writes to a read-only calendar, an update changing the UID, and an event without UID', async () => {
    const { server, provider, calendarId } = memoryFixture();
    const created = await provider.create(calendarId, makeEvent(), HUB).then((w) => w.item);
    expect((await rejection(provider.update(calendarId, created.remoteId, { ...created.event, uid: 'other' }, created.etag, HUB).then((w) => w.item))).code).toBe('PROVIDER_REJECTED');
    expect((await rejection(provider.create(calendarId, makeEvent({ uid: '' }), HUB).then((w) => w.item))).code).toBe('PROVIDER_REJECTED');
    server.setWritable(calendarId, false);
    expect((await provider.listCalendars())[0]?.writable).toBe(false);
    expect((await rejection(provider.create(calendarId, makeEvent(), HUB).then((w) => w.item))).code).toBe('PROVIDER_REJECTED');
    expect((await rejection(provider.delete(calendarId, created.remoteId, created.etag))).code).toBe('PROVIDER_REJECTED');
    expect(server.items(calendarId)).toHaveLength(1);
  });

  it('answers unknown calendars with PROVIDER_NOT_FOUND and refuses a second calendar with the same id', async () => {
    const { server, provider } = memoryFixture();
    expect((await rejection(provider.fetch('nope', ['a.ics']))).code).toBe('PROVIDER_NOT_FOUND');
    expect(() => server.otherClient('nope')).toThrow(CalsyncError);
    server.addCalendar({ remoteId: 'fixed', color: '#ff0000' });
    expect(() => server.addCalendar({ remoteId: 'fixed' })).toThrow(/already exists/);
    expect((await provider.listCalendars()).find((c) => c.remoteId === 'fixed')).toMatchObject({ color: '#ff0000', components: ['VEVENT'] });
  });

  it('fetches in batches and counts one request per batch', async () => {
    const { provider, calendarId } = memoryFixture({}, { fetchBatchSize: 2 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push((await provider.create(calendarId, makeEvent(), HUB).then((w) => w.item)).remoteId);
    const before = provider.stats.requests;
    expect(await provider.fetch(calendarId, ids)).toHaveLength(5);
    expect(provider.stats.requests - before).toBe(3);
  });

  it('refuses every call once closed', async () => {
    const { provider } = memoryFixture();
    await provider.close();
    expect((await rejection(provider.listCalendars())).code).toBe('PROVIDER_UNAVAILABLE');
  });

  it('derives distinct, server-safe remote ids from UIDs', () => {
    const uids = ['a b@x', 'a_b@x', 'a/b@x', "it's(1)*~!", 'ünïcode'];
    const ids = uids.map(remoteIdForUid);
    expect(new Set(ids).size).toBe(uids.length);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9%._-]+\.ics$/);
  });

  it('answers a delta over a 10,000-event calendar with only what changed', async () => {
    const { server, provider, calendarId } = memoryFixture({ rewrite: false });
    const other = server.otherClient(calendarId);
    const ids: string[] = [];
    for (let i = 0; i < 10_000; i += 1) ids.push(other.create(makeEvent({ title: `Event ${i}` })).remoteId);
    const full = await provider.listChanges(calendarId, null);
    expect(full.kind === 'full' ? full.items.length : 0).toBe(10_000);
    other.update(ids[17] ?? '', (e) => ({ ...e, title: 'changed' }));
    other.delete(ids[4242] ?? '');
    const delta = await provider.listChanges(calendarId, full.cursor);
    expect(delta).toMatchObject({ kind: 'delta', removed: [ids[4242]] });
    expect(delta.kind === 'delta' ? delta.changed.map((i) => i.event.title) : []).toEqual(['changed']);
  });
});
