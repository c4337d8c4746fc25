/**
 * Issue 9, finding 2: the loop detector (planner) and the settle rule (executor). A push repeated while
 * neither the hub version nor the calendar's copy moved since our last push is not made a third time: it
 * becomes a recorded conflict whose reason names SYNC_WRITE_LOOP. A write that is provably ours but stored
 * differently settles the hub on the calendar's version of the differing fields, audited as the calendar.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_REPEATED_PUSHES, planItem } from '../../src/sync/plan.js';
import { makeEvent } from '../support/events.js';
import { makeHub, type Hub } from './harness.js';
import { hubOf, linkOf, remoteOf, twoWay } from './items.js';

describe('loop detector (planner)', () => {
  const base = makeEvent({ title: 'Tasting', location: 'The Old Barn' });
  const hubEvent = { ...base, location: 'The Orangery' };

  it('pushes while the push count is below the limit, and when anything moved since the last push', () => {
    const hub = hubOf(hubEvent, { version: 7 });
    const fresh = { ...linkOf(base, '"e2"'), lastPush: { hubVersion: 7, etag: '"e2"', count: MAX_REPEATED_PUSHES - 1 } };
    expect(planItem({ hub, remote: remoteOf(base, '"e2"'), link: fresh }, twoWay).map((a) => a.type)).toEqual(['pushToRemote']);
    const looping = { ...fresh, lastPush: { hubVersion: 7, etag: '"e2"', count: MAX_REPEATED_PUSHES } };
    // The hub moved (a new version) or the calendar did (a new etag): a new push, not a loop.
    expect(planItem({ hub: hubOf(hubEvent, { version: 8 }), remote: remoteOf(base, '"e2"'), link: looping }, twoWay).map((a) => a.type)).toEqual(['pushToRemote']);
    expect(planItem({ hub, remote: remoteOf(base, '"e3"'), link: { ...looping, etag: '"e3"' } }, twoWay).map((a) => a.type)).toEqual(['pushToRemote']);
  });

  it('records a SYNC_WRITE_LOOP conflict instead of a third push with nothing moved', () => {
    const hub = hubOf(hubEvent, { version: 7 });
    const link = { ...linkOf(base, '"e2"'), lastPush: { hubVersion: 7, etag: '"e2"', count: MAX_REPEATED_PUSHES } };
    const [action, ...rest] = planItem({ hub, remote: remoteOf(base, '"e2"'), link }, twoWay);
    expect(rest).toEqual([]);
    expect(action?.type).toBe('recordConflict');
    if (action?.type !== 'recordConflict') return;
    expect(action.reason).toMatch(/^SYNC_WRITE_LOOP/);
    expect(action.conflict).toMatchObject({ hubEventId: hub.id, type: 'field', fields: ['location'], remoteEtag: '"e2"' });
  });
});

describe('settle on what the calendar stores (executor)', () => {
  let hub: Hub;
  afterEach(async () => {
    await hub.close();
  });

  it('a calendar that cannot keep a field: the hub takes its version once, audited as the calendar, then nothing is written', async () => {
    hub = await makeHub();
    const created = await hub.store.events.put(hub.tenantId, { event: makeEvent({ title: 'Tasting', description: 'Bring the menu.' }), source: 'wedsync' });
    await hub.sync();
    // From now on the "server" drops descriptions (a field it cannot hold).
    hub.server.setRewrite((e) => ({ ...e, description: '' }));
    const current = await hub.store.events.get(hub.tenantId, created.id);
    await hub.store.events.put(hub.tenantId, { id: created.id, event: { ...(current?.event ?? created.event), title: 'Tasting (final)' }, expectedVersion: current?.version ?? 0, source: 'wedsync' });

    const first = await hub.sync();
    expect(first.errors).toEqual([]);
    expect(first.remote.updated).toBe(1);
    const counts = [];
    for (let i = 0; i < 4; i += 1) {
      const r = await hub.sync();
      counts.push(r.remote.updated + r.hub.updated);
    }
    expect(counts).toEqual([0, 0, 0, 0]);
    const after = await hub.store.events.get(hub.tenantId, created.id);
    expect(after?.event).toMatchObject({ title: 'Tasting (final)', description: '' });
    const last = (await hub.store.events.history(hub.tenantId, created.id)).at(-1);
    expect(last?.source).toBe(`calendar:${hub.calendars[0]?.id}`);
    expect(await hub.store.conflicts.list(hub.tenantId)).toEqual([]);
  });

  it('an export-only mirror that cannot keep a field: never taken into the hub; the third push is a recorded SYNC_WRITE_LOOP conflict, then quiet', async () => {
    hub = await makeHub({ direction: 'export_only' });
    const created = await hub.store.events.put(hub.tenantId, { event: makeEvent({ title: 'Tasting', description: 'Bring the menu.' }), source: 'wedsync' });
    await hub.sync();
    hub.server.setRewrite((e) => ({ ...e, description: '' }));
    const current = await hub.store.events.get(hub.tenantId, created.id);
    await hub.store.events.put(hub.tenantId, { id: created.id, event: { ...(current?.event ?? created.event), title: 'Tasting (final)' }, expectedVersion: current?.version ?? 0, source: 'wedsync' });

    const reports = [];
    for (let i = 0; i < 6; i += 1) reports.push(await hub.sync());
    expect(reports.map((r) => r.remote.updated)).toEqual([1, 1, 0, 0, 0, 0]);
    expect(reports.map((r) => r.conflicts.recorded)).toEqual([0, 0, 1, 0, 0, 0]);
    expect(reports[2]?.plan.join('\n')).toMatch(/SYNC_WRITE_LOOP/);
    // The hub keeps its own description: a mirror's loss is never written back.
    expect((await hub.store.events.get(hub.tenantId, created.id))?.event.description).toBe('Bring the menu.');
    const [conflict] = await hub.store.conflicts.list(hub.tenantId, { status: 'open' });
    expect(conflict).toMatchObject({ hubEventId: created.id, fields: ['description'] });
  });
});
