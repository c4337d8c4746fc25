/**
 * The connector against the strict emulator (issue 15): what live Graph does that a kind emulator hid.
 * Each test names the connector point it covers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ChangeSet, RemoteItem } from '../../src/providers/types.js';
import { RequestBudget } from '../../src/providers/graph/http/budget.js';
import { ManualClock } from '../../src/util/clock.js';
import { makeEvent } from '../support/events.js';
import { graphFixture, USER, type GraphFixture } from './support/emulator-fixture.js';

const IMMUTABLE = { prefer: 'IdType="ImmutableId"' };
const HUB = { hubId: 'hub-1' };

function fullItems(changes: ChangeSet): { items: RemoteItem[]; cursor: string; problems: { remoteId: string; code: string }[] } {
  if (changes.kind !== 'full') throw new Error(`expected a full listing, got ${changes.kind}`);
  return changes;
}

describe('Graph connector on the strict emulator', () => {
  let fx: GraphFixture | undefined;
  afterEach(async () => {
    await fx?.cleanup();
    fx = undefined;
  });

  /** POST as another Outlook client, answered with calsync's (immutable) ids. */
  const post = async (f: GraphFixture, path: string, body: unknown): Promise<{ id: string }> => {
    const res = await f.emu.admin.act(USER, 'POST', path, body, IMMUTABLE);
    if (res.status !== 201) throw new Error(`POST ${path} → ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { id: string };
  };
  const instances = async (f: GraphFixture, id: string, from: string, to: string): Promise<{ id: string; originalStart: string }[]> => {
    const res = await f.emu.admin.act(USER, 'GET', `/events/${id}/instances?startDateTime=${from}&endDateTime=${to}&$top=500`, undefined, IMMUTABLE);
    return (res.body as { value: { id: string; originalStart: string }[] }).value;
  };

  it('1: reads a series older than five years in windows Graph accepts, and reports a series Graph refuses on its own', async () => {
    fx = await graphFixture();
    const f = fx;
    const old = await post(f, `/calendars/${f.calendarId}/events`, {
      subject: 'Weekly since 2021',
      start: { dateTime: '2021-01-04T09:00:00', timeZone: 'UTC' },
      end: { dateTime: '2021-01-04T10:00:00', timeZone: 'UTC' },
      recurrence: { pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] }, range: { type: 'noEnd', startDate: '2021-01-04' } },
    });
    // One cancelled occurrence early in the series, one in the sync window: both windows are read.
    const early = (await instances(f, old.id, '2021-03-01T00:00:00Z', '2021-03-09T00:00:00Z'))[0];
    const late = (await instances(f, old.id, '2027-03-01T00:00:00Z', '2027-03-09T00:00:00Z'))[0];
    for (const occ of [early, late]) expect((await f.emu.admin.act(USER, 'DELETE', `/events/${occ?.id}`)).status).toBe(204);
    const refused = await post(f, `/calendars/${f.calendarId}/events`, {
      subject: 'Graph will not list me',
      start: { dateTime: '2026-02-02T09:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-02-02T10:00:00', timeZone: 'UTC' },
      recurrence: { pattern: { type: 'daily', interval: 1 }, range: { type: 'numbered', startDate: '2026-02-02', numberOfOccurrences: 3 } },
    });
    const single = await post(f, `/calendars/${f.calendarId}/events`, { subject: 'Single', start: { dateTime: '2027-01-05T09:00:00', timeZone: 'UTC' }, end: { dateTime: '2027-01-05T10:00:00', timeZone: 'UTC' } });
    f.emu.admin.addFault({ rule: { kind: 'error', status: 400, code: 'ErrorInvalidRequest', message: 'refused for this series' }, pathPrefix: `/me/events/${refused.id}/instances` });

    const { items, problems } = fullItems(await f.provider.listChanges(f.calendarId, null));
    expect(items.map((i) => i.remoteId).sort()).toEqual([old.id, single.id].sort());
    expect(problems).toEqual([expect.objectContaining({ remoteId: refused.id, code: 'GRAPH_ITEM_REFUSED' })]);
    const series = items.find((i) => i.remoteId === old.id);
    expect(series?.event.recurrence?.exdates).toEqual([
      { kind: 'utc', utc: early?.originalStart },
      { kind: 'utc', utc: late?.originalStart },
    ]);
    // More than one instances window was needed, and none was refused.
    const instanceReads = f.emu.admin.requests().filter((r) => r.path === `/me/events/${old.id}/instances`);
    expect(instanceReads.length).toBeGreaterThanOrEqual(2);
    expect(instanceReads.every((r) => r.status === 200)).toBe(true);
  });

  it('2: dates all-day occurrences right whatever originalStartTimeZone says, east and west of UTC', async () => {
    fx = await graphFixture();
    const f = fx;
    for (const zone of ['Tokyo Standard Time', 'Hawaiian Standard Time', 'Line Islands Standard Time', 'Dateline Standard Time']) {
      const series = await post(f, `/calendars/${f.calendarId}/events`, {
        subject: `All-day in ${zone}`,
        isAllDay: true,
        start: { dateTime: '2027-01-04T00:00:00', timeZone: zone },
        end: { dateTime: '2027-01-05T00:00:00', timeZone: zone },
        recurrence: { pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] }, range: { type: 'numbered', startDate: '2027-01-04', numberOfOccurrences: 4 } },
      });
      const listed = await instances(f, series.id, '2027-01-01T00:00:00Z', '2027-02-05T00:00:00Z');
      expect(listed).toHaveLength(4);
      expect((await f.emu.admin.act(USER, 'DELETE', `/events/${listed[1]?.id}`)).status).toBe(204);
      expect((await f.emu.admin.act(USER, 'PATCH', `/events/${listed[2]?.id}`, { subject: 'Moved to the annex' })).status).toBe(200);
      const item = (await f.provider.fetch(f.calendarId, [series.id]))[0];
      expect(item?.event.start, zone).toEqual({ kind: 'date', date: '2027-01-04' });
      expect(item?.event.recurrence?.exdates, zone).toEqual([{ kind: 'date', date: '2027-01-11' }]);
      expect(item?.event.overrides.map((o) => [o.recurrenceId, o.title]), zone).toEqual([[{ kind: 'date', date: '2027-01-18' }, 'Moved to the annex']]);
    }
  });

  it('4: counts every 429/503 a retry absorbed, inner $batch ones included', async () => {
    fx = await graphFixture();
    const f = fx;
    const created = await f.provider.create(f.calendarId, makeEvent({ uid: 'throttle-1' }), HUB);
    const before = f.provider.stats.throttled ?? 0;
    f.emu.admin.addFault({ rule: { kind: 'throttle', retryAfterS: 2 }, count: 2, pathPrefix: `/me/calendars/${f.calendarId}/calendarView/delta` });
    f.emu.admin.addFault({ rule: { kind: 'error', status: 503, code: 'ServiceUnavailable', retryAfterS: 1 }, count: 1, pathPrefix: `/me/calendars/${f.calendarId}/events/${created.item.remoteId}` });
    const listing = fullItems(await f.provider.listChanges(f.calendarId, null));
    expect(listing.items.map((i) => i.remoteId)).toEqual([created.item.remoteId]);
    const fetched = await f.provider.fetch(f.calendarId, [created.item.remoteId]);
    expect(fetched).toHaveLength(1);
    expect((f.provider.stats.throttled ?? 0) - before).toBe(3);
    expect(f.sleep.waits).toEqual(expect.arrayContaining([2000, 2000, 1000]));
  });

  it('5: never runs more than 4 requests at once against the mailbox, even for many items (no MailboxConcurrency 429)', async () => {
    fx = await graphFixture();
    const f = fx;
    const ids: string[] = [];
    for (let i = 0; i < 30; i += 1) {
      ids.push((await post(f, `/calendars/${f.calendarId}/events`, { subject: `E${i}`, start: { dateTime: '2027-01-05T09:00:00', timeZone: 'UTC' }, end: { dateTime: '2027-01-05T10:00:00', timeZone: 'UTC' } })).id);
    }
    f.emu.admin.clearRequests();
    const [items] = await Promise.all([f.provider.fetch(f.calendarId, ids), f.provider.listChanges(f.calendarId, null)]);
    expect(items).toHaveLength(30);
    expect(f.emu.admin.requests().filter((r) => r.status === 429)).toEqual([]);
    expect(f.client.semaphore.peak).toBeLessThanOrEqual(4);
  });

  it('5: spends the per-mailbox request budget knowingly: waits for the next window instead of being throttled', async () => {
    const clock = new ManualClock(Date.parse('2026-12-01T09:00:00Z'));
    const waits: number[] = [];
    const sleep = async (ms: number): Promise<void> => {
      waits.push(ms);
      clock.advance(ms);
    };
    fx = await graphFixture({ emulator: { clock, throttle: { budget: 40 } }, client: { clock, sleep, budget: { limit: 40, reserve: 0 } } });
    const f = fx;
    for (let i = 0; i < 50; i += 1) await f.provider.listCalendars();
    expect(f.emu.admin.requests()).toHaveLength(50);
    expect(f.emu.admin.requests().filter((r) => r.status === 429)).toEqual([]);
    expect(waits).toEqual([600_000]);
    expect(f.provider.requestBudget()).toMatchObject({ used: 10, limit: 40, near: false });
  });

  it('5: a budget reports a mailbox close to its limit from 80 %', async () => {
    let now = 0;
    const budget = new RequestBudget(() => now, async (ms) => void (now += ms), { limit: 100, reserve: 10 });
    for (let i = 0; i < 79; i += 1) await budget.spend();
    expect(budget.snapshot()).toEqual({ used: 79, limit: 100, resetsAtMs: 600_000, near: false });
    await budget.spend();
    expect(budget.snapshot().near).toBe(true);
    await budget.spend(10);
    expect(now).toBe(0);
    // 90 used of 90 usable: the next request waits for the next window, which it then opens.
    await budget.spend();
    expect(now).toBe(600_000);
    expect(budget.snapshot()).toMatchObject({ used: 1, near: false, resetsAtMs: 1_200_000 });
  });

  it('reads its own writes back through the HTML Graph returns: a text description survives unchanged', async () => {
    fx = await graphFixture();
    const f = fx;
    const description = 'Timeline:\n14:00  ceremony & vows\n\n  <bring rings>';
    const written = await f.provider.create(f.calendarId, makeEvent({ uid: 'html-1', description }), HUB);
    const raw = await f.emu.admin.act(USER, 'GET', `/events/${written.item.remoteId}`);
    expect((raw.body as { body: { contentType: string } }).body.contentType).toBe('html');
    const [read] = await f.provider.fetch(f.calendarId, [written.item.remoteId]);
    expect(read?.event.description).toBe(description);
    expect(read?.etag).toBe(written.item.etag);
    expect(read?.event.extra?.provider?.graph).toBeUndefined();
  });

  it('asks for immutable ids: an event moved to another calendar keeps the id calsync knows', async () => {
    fx = await graphFixture();
    const f = fx;
    const other = (await f.act('POST', '/calendars', { name: 'Archive' })) as { id: string };
    const written = await f.provider.create(f.calendarId, makeEvent({ uid: 'move-1' }), HUB);
    const cursor = fullItems(await f.provider.listChanges(f.calendarId, null));
    const moved = f.emu.admin.moveEvent(USER, written.item.remoteId, other.id);
    expect(moved.immutableId).toBe(written.item.remoteId);
    // Where it went, it is listed under the same id, and can be written by it.
    const there = fullItems(await f.provider.listChanges(other.id, null));
    expect(there.items.map((i) => i.remoteId)).toEqual([written.item.remoteId]);
    const again = there.items[0] as RemoteItem;
    await f.provider.update(other.id, again.remoteId, { ...again.event, title: 'Edited after the move' }, again.etag, HUB);
    // Where it was, it is gone.
    const here = await f.provider.listChanges(f.calendarId, cursor.cursor);
    expect(here.kind).toBe('delta');
    if (here.kind === 'delta') expect(here.removed).toEqual([written.item.remoteId]);
  });
});
