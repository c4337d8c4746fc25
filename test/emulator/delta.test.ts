import { PageIterator } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/util/clock.js';
import { type Harness, event, startHarness } from './helpers.js';

type Item = { id: string; subject?: string; type?: string; '@removed'?: { reason: string }; '@odata.type'?: string };
interface Round {
  items: Item[];
  pages: number;
  deltaLink: string;
}

const WINDOW = 'startDateTime=2026-06-01T00:00:00Z&endDateTime=2026-07-01T00:00:00Z';

describe('Graph emulator: calendarView delta', () => {
  let h: Harness;
  const clock = new ManualClock(Date.UTC(2026, 4, 1));
  beforeAll(async () => {
    h = await startHarness({ clock, delta: { tokenLifetimeMs: 7 * 86_400_000, cacheSize: 50, defaultPageSize: 10 } });
  });
  afterAll(() => h.close());

  /** Follow nextLinks to the deltaLink with the official client (bounded). */
  async function round(url: string, pageSize?: number): Promise<Round> {
    const items: Item[] = [];
    let next: string | undefined = url;
    for (let pages = 1; pages <= 100 && next; pages++) {
      const req = h.client.api(next);
      const page = await (pageSize ? req.header('Prefer', `odata.maxpagesize=${pageSize}`) : req).get();
      items.push(...page.value);
      if (page['@odata.deltaLink']) return { items, pages, deltaLink: page['@odata.deltaLink'] };
      next = page['@odata.nextLink'];
    }
    throw new Error('delta round did not end');
  }

  it('requires the window on the first call', async () => {
    const res = await h.call('GET', '/me/calendarView/delta');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'ErrorInvalidParameter' } });
    const shaped = await h.call('GET', `/me/calendarView/delta?${WINDOW}&$select=subject`);
    expect(shaped.status).toBe(400);
  });

  it('pages a full sync to a deltaLink, then reports changes, moves out of the window and deletions', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await h.client.api('/me/events').post(event(`Delta ${i}`, `2026-06-1${i}T10:00:00`, `2026-06-1${i}T11:00:00`))).id);
    await h.client.api('/me/events').post(event('Outside', '2026-08-01T10:00:00', '2026-08-01T11:00:00'));

    const first = await round(`/me/calendarView/delta?${WINDOW}`, 2);
    expect(first.pages).toBe(3);
    expect(first.items.map((i) => i.id).sort()).toEqual([...ids].sort());
    expect(first.items[0]?.['@odata.type']).toBe('#microsoft.graph.event');
    expect(first.deltaLink).toMatch(new RegExp(`^https://127\\.0\\.0\\.1:\\d+/v1\\.0/me/calendarView/delta\\?\\$deltatoken=`));

    const quiet = await round(first.deltaLink);
    expect(quiet.items).toEqual([]);

    await h.client.api(`/me/events/${ids[0]}`).patch({ subject: 'Delta 0 renamed' });
    await h.client.api(`/me/events/${ids[1]}`).delete();
    await h.client.api(`/me/events/${ids[2]}`).patch({ start: { dateTime: '2026-09-01T10:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-09-01T11:00:00', timeZone: 'UTC' } });
    const added = await h.client.api('/me/events').post(event('Delta new', '2026-06-25T10:00:00', '2026-06-25T11:00:00'));

    const second = await round(quiet.deltaLink);
    const byId = new Map(second.items.map((i) => [i.id, i]));
    expect(byId.get(ids[0] ?? '')?.subject).toBe('Delta 0 renamed');
    expect(byId.get(added.id)?.subject).toBe('Delta new');
    expect(byId.get(ids[1] ?? '')).toEqual({ '@odata.type': '#microsoft.graph.event', id: ids[1], '@removed': { reason: 'deleted' } });
    expect(byId.get(ids[2] ?? '')?.['@removed']).toEqual({ reason: 'deleted' });
    expect(second.items).toHaveLength(4);
  });

  it('reports items changed outside the window as @removed, as event-delta.md documents', async () => {
    const first = await round(`/me/calendarView/delta?${WINDOW}`);
    const outside = await h.client.api('/me/events').post(event('Far away', '2026-12-01T10:00:00', '2026-12-01T11:00:00'));
    const second = await round(first.deltaLink);
    expect(second.items).toEqual([{ '@odata.type': '#microsoft.graph.event', id: outside.id, '@removed': { reason: 'deleted' } }]);
    const third = await round(second.deltaLink);
    expect(third.items).toEqual([]);
  });

  it('returns occurrences and exceptions but never series masters', async () => {
    const master = await h.client.api('/me/calendars').post({ name: 'Series' });
    const series = await h.client.api(`/me/calendars/${master.id}/events`).post({
      ...event('Weekly', '2026-06-01T09:00:00', '2026-06-01T10:00:00'),
      recurrence: { pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] }, range: { type: 'endDate', startDate: '2026-06-01', endDate: '2026-06-30' } },
    });
    const first = await round(`/me/calendars/${master.id}/calendarView/delta?${WINDOW}`);
    expect(first.items.map((i) => i.type)).toEqual(['occurrence', 'occurrence', 'occurrence', 'occurrence', 'occurrence']);
    expect(first.items.some((i) => i.id === series.id)).toBe(false);

    const [a, b] = first.items;
    await h.client.api(`/me/events/${a?.id}`).patch({ subject: 'Weekly (moved)' });
    await h.client.api(`/me/events/${b?.id}`).delete();
    const second = await round(first.deltaLink);
    expect(second.items.find((i) => i.id === a?.id)?.type).toBe('exception');
    expect(second.items.find((i) => i.id === b?.id)?.['@removed']).toBeDefined();
    expect(second.items).toHaveLength(2);

    // A token is bound to its calendar.
    const token = new URL(first.deltaLink).searchParams.get('$deltatoken');
    const wrong = await h.call('GET', `/me/calendarView/delta?$deltatoken=${token}`);
    expect(wrong.status).toBe(410);
  });

  it('can repeat an item (duplicates are allowed) when the admin asks', async () => {
    const first = await round(`/me/calendarView/delta?${WINDOW}`);
    h.emu.admin.duplicateDeltaItems(1);
    await h.client.api('/me/events').post(event('Dup', '2026-06-28T10:00:00', '2026-06-28T11:00:00'));
    const second = await round(first.deltaLink);
    expect(second.items.map((i) => i.subject)).toEqual(['Dup', 'Dup']);
  });

  it('expires delta tokens by age on the clock, by admin, and by cache eviction: 410 SyncStateNotFound', async () => {
    const first = await round(`/me/calendarView/delta?${WINDOW}`);
    clock.advance(8 * 86_400_000);
    h.renewToken();
    const old = await h.call('GET', first.deltaLink.slice(h.emu.graphUrl.length));
    expect(old.status).toBe(410);
    // As live Graph answers it (microsoft-graph-docs#2350), not as documented (`syncStateNotFound`).
    expect(old.body).toMatchObject({ error: { code: 'SyncStateNotFound', message: expect.stringMatching(/^The sync state generation is not found; generation=\d+;/) } });
    await expect(h.client.api(first.deltaLink).get()).rejects.toMatchObject({ statusCode: 410, code: 'SyncStateNotFound' });

    const fresh = await round(`/me/calendarView/delta?${WINDOW}`);
    h.emu.admin.expireDeltaTokens();
    expect((await h.call('GET', fresh.deltaLink.slice(h.emu.graphUrl.length))).status).toBe(410);
    expect((await h.call('GET', '/me/calendarView/delta?$skiptoken=nonsense')).status).toBe(410);
  });
  it("works with the client's own PageIterator, which stops at the deltaLink", async () => {
    for (let i = 0; i < 3; i++) await h.client.api('/me/events').post(event(`Iterated ${i}`, '2026-06-05T10:00:00', '2026-06-05T11:00:00'));
    const first = await h.client.api(`/me/calendarView/delta?${WINDOW}`).header('Prefer', 'odata.maxpagesize=1').get();
    const seen: string[] = [];
    const iterator = new PageIterator(h.client, first, (item: Item) => {
      seen.push(item.id);
      return true;
    }, { headers: { Prefer: 'odata.maxpagesize=1' } });
    await iterator.iterate();
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(iterator.getDeltaLink()).toMatch(/\$deltatoken=/);
  });
});

describe('Graph emulator: delta token cache', () => {
  it('evicts the oldest tokens beyond the cache size', async () => {
    const h = await startHarness({ delta: { cacheSize: 1 } });
    try {
      const a = await h.client.api(`/me/calendarView/delta?${WINDOW}`).get();
      const b = await h.client.api(`/me/calendarView/delta?${WINDOW}`).get();
      expect(a['@odata.deltaLink']).toBeDefined();
      expect((await h.call('GET', a['@odata.deltaLink'].slice(h.emu.graphUrl.length))).status).toBe(410);
      expect((await h.call('GET', b['@odata.deltaLink'].slice(h.emu.graphUrl.length))).status).toBe(200);
    } finally {
      await h.close();
    }
  });
});
