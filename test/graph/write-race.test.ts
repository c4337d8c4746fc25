/**
 * Issue 9, finding 1 on Outlook (emulator): a change another Outlook client makes between calsync's write
 * and its read-back must never be absorbed into the link's base (and then reverted as "hub edited,
 * calendar same"). The other client's edit runs at an exact point of calsync's request sequence, through
 * a hook in the transport: right after our PATCH answered (a single event), or holding our read-back of a
 * series until the edit is in (as a slow read-back would).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { makeEvent, makeRecurringEvent } from '../support/events.js';
import { graphEngine, type GraphEngine, type SentRequest } from './support/engine-fixture.js';

const isPatchOf = (req: SentRequest, remoteId: string): boolean => req.method === 'PATCH' && decodeURIComponent(req.url).includes(`/me/events/${remoteId}`) && !req.url.includes('$batch');
const isBatchGetOf = (req: SentRequest, remoteId: string): boolean => req.url.endsWith('/$batch') && req.body.includes('"GET"') && req.body.includes(encodeURIComponent(remoteId));

describe('Outlook: proof that a series read back is our own write', () => {
  let g: GraphEngine;
  afterEach(async () => {
    await g.close();
  });

  it('is ours when only our occurrence writes moved it (an override patched, an occurrence cancelled), not when someone else cancels one meanwhile', async () => {
    g = await graphEngine();
    const created = await g.fx.provider.create(g.fx.calendarId, makeRecurringEvent(), { hubId: 'hub-1' });
    expect(created.ours).toBe(true);
    const item = created.item;
    const [override] = item.event.overrides;
    if (!override || !item.event.recurrence) throw new Error('expected a series with an override');
    const exdate = { kind: 'zoned' as const, local: '2026-07-21T18:00:00', tzid: item.event.recurrence.exdates[0]?.kind === 'zoned' ? item.event.recurrence.exdates[0].tzid : 'UTC' };
    const edited = {
      ...item.event,
      recurrence: { ...item.event.recurrence, exdates: [...item.event.recurrence.exdates, exdate] },
      overrides: [{ ...override, location: 'Rooftop' }],
    };
    const updated = await g.fx.provider.update(g.fx.calendarId, item.remoteId, edited, item.etag, { hubId: 'hub-1' });
    expect(updated.ours).toBe(true);
    expect(updated.item.event.recurrence?.exdates).toHaveLength(2);
    expect(updated.item.event.overrides[0]?.location).toBe('Rooftop');
    expect(await g.fx.provider.fetch(g.fx.calendarId, [item.remoteId])).toEqual([updated.item]);

    // Someone cancels another occurrence while our read-back is held: not ours, and the item shows it.
    const { value } = (await g.fx.act('GET', `/events/${item.remoteId}/instances?startDateTime=2026-05-01T00:00:00Z&endDateTime=2026-12-31T00:00:00Z&$top=100`)) as {
      value: { id: string; originalStart: string }[];
    };
    const other = value.find((i) => i.originalStart.startsWith('2026-07-28'));
    const from = g.sent.length;
    g.hook({
      phase: 'before',
      when: (req, seen) => isBatchGetOf(req, item.remoteId) && seen.slice(from).some((s) => isPatchOf(s, item.remoteId)),
      run: async () => void (await g.fx.act('DELETE', `/events/${other?.id}`)),
    });
    const raced = await g.fx.provider.update(g.fx.calendarId, item.remoteId, { ...updated.item.event, title: 'Renamed' }, updated.item.etag, { hubId: 'hub-1' });
    expect(g.hookRan).toBe(true);
    expect(raced.ours).toBe(false);
    expect(raced.item.event.recurrence?.exdates).toHaveLength(3);
  });
});

describe('Outlook: a third-party edit in the write → read-back window', () => {
  let g: GraphEngine;
  afterEach(async () => {
    await g.close();
  });

  async function linkedRemoteId(hubId: string): Promise<string> {
    const link = await g.store.links.getByHubEvent(g.tenantId, g.calendar.id, hubId);
    if (!link) throw new Error('no link');
    return link.remoteId;
  }

  async function outlookLocation(remoteId: string): Promise<string | undefined> {
    const [item] = await g.fx.provider.fetch(g.fx.calendarId, [remoteId]);
    return item?.event.location;
  }

  it('single event: the location moved in Outlook right after our PATCH ends in the hub and in Outlook, with the hub title', async () => {
    g = await graphEngine();
    const hub = await g.addHubEvent(makeEvent({ title: 'Tasting', location: 'The Old Barn' }));
    await g.sync();
    const remoteId = await linkedRemoteId(hub.id);

    await g.editHub(hub.id, (e) => ({ ...e, title: 'Tasting with the chef' }));
    g.hook({ phase: 'after', when: (req) => isPatchOf(req, remoteId), run: async () => void (await g.fx.act('PATCH', `/events/${remoteId}`, { location: { displayName: 'The Boathouse' } })) });
    const pushed = await g.sync();
    expect(g.hookRan).toBe(true);
    expect(pushed.remote.updated).toBe(1);

    await g.sync();
    await g.sync();
    const after = await g.hubEvent(hub.id);
    const conflicts = await g.store.conflicts.list(g.tenantId, { status: 'open' });
    // Never silently reverted: the edit is on both sides, or waits in a recorded conflict.
    expect(conflicts).toEqual([]);
    expect(after.event.location).toBe('The Boathouse');
    expect(after.event.title).toBe('Tasting with the chef');
    expect(await outlookLocation(remoteId)).toBe('The Boathouse');
    const history = await g.store.events.history(g.tenantId, hub.id);
    expect(history.some((h) => h.source === `calendar:${g.calendar.id}` && h.after?.location === 'The Boathouse')).toBe(true);
  });

  it('series: the master moved in Outlook while our read-back is held ends in the hub and in Outlook', async () => {
    g = await graphEngine();
    const hub = await g.addHubEvent(makeRecurringEvent({ location: 'Studio' }));
    await g.sync();
    const remoteId = await linkedRemoteId(hub.id);

    await g.editHub(hub.id, (e) => ({ ...e, title: 'Weekly call (new agenda)' }));
    g.hook({
      phase: 'before',
      // The first read of the series after our PATCH of its master: the read-back.
      when: (req, seen) => isBatchGetOf(req, remoteId) && seen.some((s) => isPatchOf(s, remoteId)),
      run: async () => void (await g.fx.act('PATCH', `/events/${remoteId}`, { location: { displayName: 'Video call' } })),
    });
    await g.sync();
    expect(g.hookRan).toBe(true);

    await g.sync();
    await g.sync();
    const after = await g.hubEvent(hub.id);
    expect(await g.store.conflicts.list(g.tenantId, { status: 'open' })).toEqual([]);
    expect(after.event.location).toBe('Video call');
    expect(after.event.title).toBe('Weekly call (new agenda)');
    expect(await outlookLocation(remoteId)).toBe('Video call');
  });

  it('series: an occurrence edited in Outlook right after our PATCH of the master is merged, not patched back', async () => {
    g = await graphEngine();
    const hub = await g.addHubEvent(makeRecurringEvent({ location: 'Studio' }));
    await g.sync();
    const remoteId = await linkedRemoteId(hub.id);
    const { value } = (await g.fx.act('GET', `/events/${remoteId}/instances?startDateTime=2026-05-01T00:00:00Z&endDateTime=2026-12-31T00:00:00Z&$top=100`)) as {
      value: { id: string; originalStart: string }[];
    };
    const occurrence = value.find((i) => i.originalStart.startsWith('2026-06-23'));
    if (!occurrence) throw new Error('no 23 June occurrence');

    await g.editHub(hub.id, (e) => ({ ...e, title: 'Weekly call (new agenda)' }));
    g.hook({ phase: 'after', when: (req) => isPatchOf(req, remoteId), run: async () => void (await g.fx.act('PATCH', `/events/${occurrence.id}`, { location: { displayName: 'At the venue' } })) });
    await g.sync();
    expect(g.hookRan).toBe(true);
    await g.sync();
    await g.sync();

    expect(await g.store.conflicts.list(g.tenantId, { status: 'open' })).toEqual([]);
    const after = await g.hubEvent(hub.id);
    expect(after.event.title).toBe('Weekly call (new agenda)');
    const override = after.event.overrides.find((o) => o.recurrenceId.kind === 'zoned' && o.recurrenceId.local === '2026-06-23T18:00:00');
    expect(override?.location).toBe('At the venue');
    const instance = (await g.fx.act('GET', `/events/${occurrence.id}`)) as { location?: { displayName?: string } };
    expect(instance.location?.displayName).toBe('At the venue');
  });
});
