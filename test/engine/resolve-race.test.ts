import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveConflict } from '../../src/sync/resolve.js';
import { makeEvent, resetEventIds } from '../support/events.js';
import { withLatency } from '../support/latency.js';
import { makeHub, type Hub } from './harness.js';

let hub: Hub;
beforeEach(() => resetEventIds());
afterEach(async () => hub.close());


async function conflicted(): Promise<string> {
  hub = await makeHub({ calendars: 2 });
  const [c1, c2] = hub.calendars;
  hub.phone(c1).create(makeEvent({ title: 'Meeting', location: 'Hall' }));
  await hub.sync(c1);
  await hub.sync(c2);
  const [h] = await hub.store.events.list(hub.tenantId);
  if (!h) throw new Error('seeded');
  await hub.store.events.put(hub.tenantId, { id: h.id, event: { ...h.event, title: 'WedSync title', location: 'WedSync place' }, expectedVersion: h.version, source: 'wedsync' });
  hub.phone(c1).update(hub.remote(c1)[0]?.remoteId ?? '', (e) => ({ ...e, title: 'Phone title', location: 'Phone place' }));
  await hub.sync(c1);
  const [open] = await hub.store.conflicts.list(hub.tenantId, { status: 'open' });
  if (!open) throw new Error('conflict expected');
  return open.id;
}

describe('a conflict resolved while syncs of the same event run (propagation after each hub write)', () => {
  for (const offset of Array.from({ length: 12 }, (_, i) => i * 3)) {
    it(`converges with the choice on both sides when the syncs start ${offset} ms in`, async () => {
      const id = await conflicted();
      const running: Promise<unknown>[] = [];
      const provider = withLatency(hub.provider, 3);
      const kick = (): void => {
        for (const c of hub.calendars) running.push(hub.sync(c, {}, { provider }).catch((e: unknown) => e));
      };
      const put = hub.store.events.put.bind(hub.store.events);
      hub.store.events.put = async (...args) => {
        const r = await put(...args);
        kick();
        return r;
      };
      setTimeout(kick, offset);
      await resolveConflict(hub.deps({ provider }), hub.tenantId, id, { take: 'fields', fields: { title: 'wedsync', location: 'provider' } });
      await new Promise((r) => setTimeout(r, 100));
      while (running.length > 0) await running.shift();
      hub.store.events.put = put;
      for (const c of hub.calendars) await hub.sync(c);
      const c = await hub.store.conflicts.get(hub.tenantId, id);
      expect(c?.status).toBe('resolved');
      expect((await hub.hubEvents())[0]).toMatchObject({ title: 'WedSync title', location: 'Phone place' });
      expect(hub.remote(hub.calendars[0])[0]?.event).toMatchObject({ title: 'WedSync title', location: 'Phone place' });
      expect(hub.remote(hub.calendars[1])[0]?.event).toMatchObject({ title: 'WedSync title', location: 'Phone place' });
    });
  }
});
