/**
 * Issue 9, finding 2 on Outlook (emulator): an occurrence cancelled in Outlook, then the hub event restored
 * to a version before the cancellation. Graph cannot un-cancel an occurrence, so every push leaves Outlook
 * with the cancellation; calsync used to push the series again on every sync, forever. What the calendar
 * cannot represent must settle: the hub takes Outlook's version of that part (audited, with the calendar
 * as source) and the following syncs write nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { HubEvent } from '../../src/model/event.js';
import type { SyncReport } from '../../src/sync/engine.js';
import { makeRecurringEvent } from '../support/events.js';
import { graphEngine, type GraphEngine } from './support/engine-fixture.js';

const writes = (r: SyncReport): number => r.hub.created + r.hub.updated + r.hub.deleted + r.remote.created + r.remote.updated + r.remote.deleted;
const exdates = (e: HubEvent): string[] => (e.event.recurrence?.exdates ?? []).map((t) => (t.kind === 'zoned' ? t.local : t.kind)).sort();

describe('Outlook: what the calendar cannot represent settles instead of looping', () => {
  let g: GraphEngine;
  afterEach(async () => {
    await g.close();
  });

  it('a restore to before an Outlook cancellation settles on the cancellation: one push, then 0 writes for 6 syncs', async () => {
    g = await graphEngine();
    const hub = await g.addHubEvent(makeRecurringEvent());
    await g.sync();
    const link = await g.store.links.getByHubEvent(g.tenantId, g.calendar.id, hub.id);
    if (!link) throw new Error('not linked');

    // Cancel the 7 July occurrence in Outlook; the hub takes the cancellation.
    const { value } = (await g.fx.act('GET', `/events/${link.remoteId}/instances?startDateTime=2026-05-01T00:00:00Z&endDateTime=2026-12-31T00:00:00Z&$top=100`)) as {
      value: { id: string; originalStart: string }[];
    };
    const occurrence = value.find((i) => i.originalStart.startsWith('2026-07-07'));
    await g.fx.act('DELETE', `/events/${occurrence?.id}`);
    await g.sync();
    expect(exdates(await g.hubEvent(hub.id))).toEqual(['2026-06-30T18:00:00', '2026-07-07T18:00:00']);

    // Restore the hub event to its first version (before the cancellation), as the API's restore does.
    const [created] = await g.store.events.history(g.tenantId, hub.id);
    await g.store.events.restore(g.tenantId, hub.id, { auditId: created?.id ?? '', source: 'restore' });
    expect(exdates(await g.hubEvent(hub.id))).toEqual(['2026-06-30T18:00:00']);

    const settle = await g.sync();
    expect(settle.errors).toEqual([]);
    const after: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      const report = await g.sync();
      expect(report.errors).toEqual([]);
      after.push(writes(report));
    }
    expect(after).toEqual([0, 0, 0, 0, 0, 0]);
    // Outlook's cancellation is the hub's now, and the audit says where it came from.
    const final = await g.hubEvent(hub.id);
    expect(exdates(final)).toEqual(['2026-06-30T18:00:00', '2026-07-07T18:00:00']);
    const [item] = await g.fx.provider.fetch(g.fx.calendarId, [link.remoteId]);
    expect((item?.event.recurrence?.exdates ?? []).length).toBe(2);
    const last = (await g.store.events.history(g.tenantId, hub.id)).at(-1);
    expect(last?.source).toBe(`calendar:${g.calendar.id}`);
    expect(await g.store.conflicts.list(g.tenantId, { status: 'open' })).toEqual([]);
  });
});
