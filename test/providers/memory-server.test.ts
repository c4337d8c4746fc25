/** The memory server's realism: stored-copy rewrites, etags, cursor expiry, unreadable items, foreign edits. */
import { describe, expect, it } from 'vitest';
import { CalsyncError } from '../../src/errors.js';
import { stampLikeCalDav } from '../../src/providers/memory/stored-copy.js';
import { makeEvent, makeRecurringEvent, withExtra } from '../support/events.js';
import { memoryFixture } from './memory-fixture.js';
import { rejection } from './rejection.js';

const HUB = { hubId: 'hub-1' };
const DAY_MS = 86_400_000;

describe('memory server: stored copies', () => {
  it('stamps LAST-MODIFIED and one DTSTAMP on the master and each override by default', async () => {
    const { provider, calendarId, clock } = memoryFixture();
    const sent = withExtra(makeRecurringEvent());
    const before = structuredClone(sent);
    const created = await provider.create(calendarId, sent, HUB).then((w) => w.item);
    expect(sent).toEqual(before);
    expect(created.event.lastModified).toBe('2026-06-01T12:00:00.000Z');
    const dtstamps = (props: unknown[] | undefined): unknown[] => (props ?? []).filter((p) => Array.isArray(p) && p[0] === 'dtstamp');
    expect(dtstamps(created.event.extra?.properties)).toEqual([['dtstamp', {}, 'date-time', '2026-06-01T12:00:00Z']]);
    expect(dtstamps(created.event.overrides[0]?.extra?.properties)).toHaveLength(1);
    expect(created.event.extra?.components).toEqual(sent.extra?.components);

    clock.advance(60_000);
    const updated = await provider.update(calendarId, created.remoteId, created.event, created.etag, HUB).then((w) => w.item);
    expect(dtstamps(updated.event.extra?.properties)).toEqual([['dtstamp', {}, 'date-time', '2026-06-01T12:01:00Z']]);
  });

  it('stores verbatim with rewrite: false, and applies a rewrite set later', async () => {
    const { server, provider, calendarId } = memoryFixture({ rewrite: false });
    const sent = makeEvent();
    expect((await provider.create(calendarId, sent, HUB).then((w) => w.item)).event).toEqual(sent);
    server.setRewrite((e) => ({ ...e, title: e.title.trim() }));
    const padded = await provider.create(calendarId, makeEvent({ title: '  Tasting  ' }), HUB).then((w) => w.item);
    expect(padded.event.title).toBe('Tasting');
    server.setRewrite(stampLikeCalDav);
    expect((await provider.create(calendarId, makeEvent(), HUB).then((w) => w.item)).event.lastModified).toBeDefined();
  });

  it('gives every write a new etag, even when the content is identical', async () => {
    const { provider, calendarId } = memoryFixture({ rewrite: false });
    const created = await provider.create(calendarId, makeEvent(), HUB).then((w) => w.item);
    const again = await provider.update(calendarId, created.remoteId, created.event, created.etag, HUB).then((w) => w.item);
    expect(again.event).toEqual(created.event);
    expect(again.etag).not.toBe(created.etag);
  });

  it('returns clones: editing what a read returned does not edit the server', async () => {
    const { server, provider, calendarId } = memoryFixture();
    const created = await provider.create(calendarId, makeEvent(), HUB).then((w) => w.item);
    created.event.title = 'mutated by the caller';
    const [fetched] = await provider.fetch(calendarId, [created.remoteId]);
    if (fetched) fetched.event.attendees.push({ email: 'x@example.test' });
    expect(server.items(calendarId)[0]?.event.title).not.toBe('mutated by the caller');
    expect(server.items(calendarId)[0]?.event.attendees).toHaveLength(1);
  });
});

describe('memory server: cursors', () => {
  it('invalidates every cursor of a calendar on expireCursors; a full listing recovers', async () => {
    const { server, provider, calendarId } = memoryFixture();
    const { cursor } = await provider.listChanges(calendarId, null);
    server.expireCursors(calendarId);
    expect((await rejection(provider.listChanges(calendarId, cursor))).code).toBe('PROVIDER_INVALID_SYNC_TOKEN');
    const full = await provider.listChanges(calendarId, cursor, { full: true });
    expect((await provider.listChanges(calendarId, full.cursor)).kind).toBe('unchanged');
  });

  it('expires cursors by age on the injected clock', async () => {
    const { provider, calendarId, clock } = memoryFixture({ cursorTtlMs: 30 * DAY_MS });
    const { cursor } = await provider.listChanges(calendarId, null);
    clock.advance(30 * DAY_MS);
    const fresh = await provider.listChanges(calendarId, cursor);
    expect(fresh.kind).toBe('unchanged');
    clock.advance(1);
    expect((await rejection(provider.listChanges(calendarId, cursor))).code).toBe('PROVIDER_INVALID_SYNC_TOKEN');
    expect((await provider.listChanges(calendarId, fresh.cursor)).kind).toBe('unchanged');
  });

  it('refuses cursors older than the retained change log, but answers recent ones', async () => {
    const { provider, calendarId } = memoryFixture({ maxChangeLogEntries: 4 });
    const old = (await provider.listChanges(calendarId, null)).cursor;
    let recent = old;
    for (let i = 0; i < 5; i += 1) {
      await provider.create(calendarId, makeEvent(), HUB).then((w) => w.item);
      if (i === 3) recent = (await provider.listChanges(calendarId, recent)).cursor;
    }
    expect((await rejection(provider.listChanges(calendarId, old))).code).toBe('PROVIDER_INVALID_SYNC_TOKEN');
    const delta = await provider.listChanges(calendarId, recent);
    expect(delta.kind === 'delta' ? delta.changed.length : -1).toBe(1);
  });

  it('refuses a cursor of another calendar and one from the future', async () => {
    const { server, provider, calendarId } = memoryFixture();
    const other = server.addCalendar().remoteId;
    const otherCursor = (await provider.listChanges(other, null)).cursor;
    expect((await rejection(provider.listChanges(calendarId, otherCursor))).code).toBe('PROVIDER_INVALID_SYNC_TOKEN');
    const own = (await provider.listChanges(calendarId, null)).cursor;
    const future = own.replace(/\.(\d+)\.(\d+)$/, (_m, _seq: string, at: string) => `.99.${at}`);
    expect(future).not.toBe(own);
    expect((await rejection(provider.listChanges(calendarId, future))).code).toBe('PROVIDER_INVALID_SYNC_TOKEN');
  });

  it('reports an item created and deleted since the cursor as removed, once', async () => {
    const { server, provider, calendarId } = memoryFixture();
    const { cursor } = await provider.listChanges(calendarId, null);
    const other = server.otherClient(calendarId);
    const item = other.create(makeEvent());
    other.update(item.remoteId, (e) => ({ ...e, title: 'twice' }));
    other.delete(item.remoteId);
    expect(await provider.listChanges(calendarId, cursor)).toMatchObject({ kind: 'delta', changed: [], removed: [item.remoteId] });
  });
});

describe('memory server: other clients', () => {
  it('changes only the etag on touch, and the change shows in the next delta', async () => {
    const { server, provider, calendarId } = memoryFixture();
    const created = await provider.create(calendarId, makeEvent(), HUB).then((w) => w.item);
    const { cursor } = await provider.listChanges(calendarId, null);
    const etag = server.otherClient(calendarId).touch(created.remoteId);
    expect(etag).not.toBe(created.etag);
    const delta = await provider.listChanges(calendarId, cursor);
    expect(delta.kind === 'delta' ? delta.changed : []).toEqual([{ ...created, etag }]);
  });

  it('keeps our hub id through a foreign update, which may be a function of the current event', async () => {
    const { server, provider, calendarId } = memoryFixture();
    const created = await provider.create(calendarId, makeEvent(), HUB).then((w) => w.item);
    const edited = server.otherClient(calendarId).update(created.remoteId, (e) => ({ ...e, location: 'Chapel' }));
    expect(edited).toMatchObject({ hubId: 'hub-1', event: { location: 'Chapel', title: created.event.title } });
  });

  it('refuses a duplicate UID unless allowed; then both are listed and findByUid picks the lowest id', async () => {
    const { server, provider, calendarId } = memoryFixture();
    const other = server.otherClient(calendarId);
    const event = makeEvent();
    other.create(event, { remoteId: 'b.ics' });
    expect(() => other.create(event, { remoteId: 'a.ics' })).toThrow(CalsyncError);
    other.create(event, { remoteId: 'a.ics', allowDuplicateUid: true, hubId: 'hub-a' });
    const listing = await provider.listChanges(calendarId, null);
    expect(listing.kind === 'full' ? listing.items.map((i) => i.remoteId).sort() : []).toEqual(['a.ics', 'b.ics']);
    expect((await provider.findByUid(calendarId, event.uid))?.remoteId).toBe('a.ics');
    other.delete('a.ics');
    expect((await provider.findByUid(calendarId, event.uid))?.remoteId).toBe('b.ics');
  });

  it('fails foreign edits of missing items and ignores foreign deletes of them', () => {
    const { server, calendarId } = memoryFixture();
    const other = server.otherClient(calendarId);
    expect(() => other.update('missing.ics', makeEvent())).toThrow(/not found/);
    expect(() => other.touch('missing.ics')).toThrow(/not found/);
    expect(() => other.delete('missing.ics')).not.toThrow();
  });

  it('reports an unreadable item as a problem in listings and fails a fetch of it rather than omit it', async () => {
    const { server, provider, calendarId } = memoryFixture();
    const good = await provider.create(calendarId, makeEvent(), HUB).then((w) => w.item);
    const { cursor } = await provider.listChanges(calendarId, null);
    const other = server.otherClient(calendarId);
    other.putCorrupt('broken.ics', 'BEGIN:VEVENT without END');
    const problem = { remoteId: 'broken.ics', code: 'ICAL_PARSE', message: 'BEGIN:VEVENT without END' };
    expect(await provider.listChanges(calendarId, null)).toMatchObject({ kind: 'full', items: [good], problems: [problem] });
    expect(await provider.listChanges(calendarId, cursor)).toMatchObject({ kind: 'delta', changed: [], removed: [], problems: [problem] });
    expect((await rejection(provider.fetch(calendarId, ['broken.ics']))).code).toBe('PROVIDER_ITEM_UNREADABLE');
    expect(() => other.update('broken.ics', (e) => e)).toThrow(CalsyncError);
    expect(other.touch('broken.ics')).toMatch(/^".+"$/);
    expect(server.items(calendarId)).toEqual([good]);
  });
});

describe('memory server: content-hash cursors (as Radicale and Xandikos)', () => {
  it('a cursor names the content: undoing a write brings it back, and a delta is the difference of two states', async () => {
    const { server, provider, calendarId } = memoryFixture({ contentHashCursors: true });
    const kept = (await provider.create(calendarId, makeEvent({ title: 'Kept' }), HUB)).item;
    const before = await provider.listChanges(calendarId, null);
    const created = (await provider.create(calendarId, makeEvent({ title: 'Ours' }), HUB)).item;
    server.otherClient(calendarId).delete(created.remoteId);
    const after = await provider.listChanges(calendarId, before.cursor);
    expect(after).toEqual({ kind: 'unchanged', cursor: before.cursor });

    // Same content, same etag; another change shows as a delta from the old state.
    server.otherClient(calendarId).update(kept.remoteId, (e) => ({ ...e, title: 'Edited' }));
    const delta = await provider.listChanges(calendarId, before.cursor);
    expect(delta).toMatchObject({ kind: 'delta', removed: [], changed: [{ remoteId: kept.remoteId, event: { title: 'Edited' } }] });
    server.otherClient(calendarId).update(kept.remoteId, kept.event);
    expect((await provider.fetch(calendarId, [kept.remoteId]))[0]?.etag).toBe(kept.etag);
    expect((await rejection(provider.listChanges(calendarId, 'h1.0.0'))).code).toBe('PROVIDER_INVALID_SYNC_TOKEN');
  });
});
