/**
 * End to end against the emulator: Outlook edits arrive as notifications at the webhook, become queued
 * delta syncs and reach the hub; hub edits reach Outlook through the same jobs.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HubEvent } from '../../src/model/event.js';
import { drainOutbox } from '../../src/service/outbox/drainer.js';
import { readRecord } from '../../src/service/outlook/subscription-record.js';
import { makeEvent, makeRecurringEvent } from '../support/events.js';
import { eventually, outlookHarness, type OutlookHarness } from './harness.js';

interface GraphEventJson {
  id: string;
  subject: string;
  type?: string;
  originalStart?: string;
  start: { dateTime: string };
}

const outlookEvent = (subject: string, day = '2026-06-20', hour = 15) => ({
  subject,
  start: { dateTime: `${day}T${String(hour).padStart(2, '0')}:00:00`, timeZone: 'UTC' },
  end: { dateTime: `${day}T${String(hour + 1).padStart(2, '0')}:00:00`, timeZone: 'UTC' },
});

describe('Outlook ⇄ hub through notifications, jobs and delta (emulator)', () => {
  let h: OutlookHarness;
  beforeEach(async () => {
    h = await outlookHarness();
  });
  afterEach(async () => h.close());

  const hubEvents = async (): Promise<HubEvent[]> => h.store.events.list(h.tenantId);
  const hubByTitle = async (title: string): Promise<HubEvent | undefined> => (await hubEvents()).find((e) => e.event.title === title);
  const path = (suffix = '') => `/calendars/${h.calendar.remoteId}/events${suffix}`;

  async function subscribeAndImport(): Promise<void> {
    await h.manager.ensure(h.tenantId, h.calendar.id);
    h.startWorkers();
    // The subscription's delta sync is debounced (medium priority): wait for it to finish.
    await eventually(async () => (await h.store.syncState.get(h.tenantId, h.calendar.id)).lastSuccessAt);
  }

  it('imports what Outlook has on connect, then follows creates, updates and deletes made in Outlook', async () => {
    for (let i = 0; i < 12; i += 1) expect((await h.act('POST', path(), outlookEvent(`Existing ${i}`, '2026-07-01', 8 + (i % 10)))).status).toBe(201);
    await subscribeAndImport();
    expect((await hubEvents()).filter((e) => e.event.title.startsWith('Existing '))).toHaveLength(12);

    // Create in Outlook → notification → webhook → queued sync → hub.
    const created = (await h.act('POST', path(), outlookEvent('Tasting with the caterer'))).body as GraphEventJson;
    const hub = await eventually(() => hubByTitle('Tasting with the caterer'));
    expect(h.queue.specs.some((j) => (j.payload as { reason?: string }).reason === 'graph notification')).toBe(true);

    // Update in Outlook.
    await h.act('PATCH', `/events/${created.id}`, { subject: 'Tasting with the caterer (moved)', location: { displayName: 'The Barn' } });
    await eventually(async () => (await h.store.events.get(h.tenantId, hub.id))?.event.title === 'Tasting with the caterer (moved)');
    expect((await h.store.events.get(h.tenantId, hub.id))?.event.location).toBe('The Barn');

    // Delete in Outlook.
    await h.act('DELETE', `/events/${created.id}`);
    await eventually(async () => (await h.store.events.get(h.tenantId, hub.id, { includeDeleted: true }))?.deletedAt !== undefined);
  });

  it('writes hub creates, updates and deletes to Outlook', async () => {
    await subscribeAndImport();
    const put = await h.store.events.put(h.tenantId, { event: makeEvent({ title: 'Venue walk-through' }), source: 'wedsync' });
    await drainOutbox(h, h.tenantId);
    await h.drain();
    const link = await eventually(() => h.store.links.getByHubEvent(h.tenantId, h.calendar.id, put.id));
    const inOutlook = async () => (await h.act('GET', `/events/${link.remoteId}`)).body as GraphEventJson | { error: unknown };
    expect(await inOutlook()).toMatchObject({ subject: 'Venue walk-through' });

    await h.store.events.put(h.tenantId, { id: put.id, event: { ...put.event, title: 'Venue walk-through (with florist)' }, expectedVersion: put.version, source: 'wedsync' });
    await drainOutbox(h, h.tenantId);
    await h.drain();
    await eventually(async () => ((await inOutlook()) as GraphEventJson).subject === 'Venue walk-through (with florist)');

    await h.store.events.delete(h.tenantId, put.id, { source: 'wedsync' });
    await drainOutbox(h, h.tenantId);
    await h.drain();
    await eventually(async () => (await h.act('GET', `/events/${link.remoteId}`)).status === 404);
  });

  it('keeps recurring series with exceptions as series, both ways', async () => {
    await subscribeAndImport();
    // Hub → Outlook: a weekly series with a moved and a cancelled occurrence.
    const series = await h.store.events.put(h.tenantId, { event: makeRecurringEvent({ title: 'Weekly call (hub)' }), source: 'wedsync' });
    await drainOutbox(h, h.tenantId);
    await h.drain();
    const link = await eventually(() => h.store.links.getByHubEvent(h.tenantId, h.calendar.id, series.id));
    const instances = ((await h.act('GET', `/events/${link.remoteId}/instances?startDateTime=2026-05-01T00:00:00Z&endDateTime=2026-12-31T00:00:00Z&$top=100`)).body as { value: GraphEventJson[] }).value;
    expect(instances).toHaveLength(9);
    expect(instances.find((i) => i.originalStart?.startsWith('2026-06-16'))?.start.dateTime.slice(0, 16)).toBe('2026-06-16T18:00');

    // Outlook → hub: a series made in Outlook, one occurrence moved there.
    const master = (await h.act('POST', path(), {
      ...outlookEvent('Weekly supplier call', '2026-09-01', 9),
      recurrence: { pattern: { type: 'weekly', interval: 1, daysOfWeek: ['tuesday'] }, range: { type: 'numbered', startDate: '2026-09-01', numberOfOccurrences: 6 } },
    })).body as GraphEventJson;
    const hubSeries = await eventually(() => hubByTitle('Weekly supplier call'));
    expect(hubSeries.event.recurrence?.rrules[0]).toMatch(/FREQ=WEEKLY/);
    const occurrences = ((await h.act('GET', `/events/${master.id}/instances?startDateTime=2026-08-01T00:00:00Z&endDateTime=2026-12-31T00:00:00Z`)).body as { value: GraphEventJson[] }).value;
    const third = occurrences.find((o) => o.originalStart?.startsWith('2026-09-15'));
    await h.act('PATCH', `/events/${third?.id ?? ''}`, { start: { dateTime: '2026-09-15T11:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-09-15T12:00:00', timeZone: 'UTC' } });
    const withException = await eventually(async () => {
      const e = await h.store.events.get(h.tenantId, hubSeries.id);
      return e && e.event.overrides.length === 1 ? e : undefined;
    });
    expect(withException.event.overrides[0]?.start).toMatchObject({ kind: 'utc', utc: '2026-09-15T11:00:00Z' });
    expect((await hubEvents()).filter((e) => e.event.title === 'Weekly supplier call')).toHaveLength(1);
  });

  it('converges under duplicated, replayed and out-of-order notifications', async () => {
    await subscribeAndImport();
    h.emu.admin.setNotificationFaults({ duplicate: 3, reorder: 2 });
    const created = (await h.act('POST', path(), outlookEvent('Hair trial v1'))).body as GraphEventJson;
    for (let v = 2; v <= 6; v += 1) await h.act('PATCH', `/events/${created.id}`, { subject: `Hair trial v${v}` });
    await h.emu.admin.flushNotifications();
    const hub = await eventually(async () => {
      const e = await hubByTitle('Hair trial v6');
      return e;
    });
    // Replay every notification delivered so far: nothing changes, nothing duplicates.
    const rec = readRecord(await h.store.syncState.get(h.tenantId, h.calendar.id));
    for (const delivery of h.emu.admin.deliveries().slice(-5)) {
      await fetch(delivery.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ value: delivery.items }) });
    }
    await h.drain();
    expect(rec?.subscriptionId).toBeDefined();
    const all = (await hubEvents()).filter((e) => e.event.title.startsWith('Hair trial'));
    expect(all.map((e) => e.id)).toEqual([hub.id]);
    expect(all[0]?.event.title).toBe('Hair trial v6');
  });
});
