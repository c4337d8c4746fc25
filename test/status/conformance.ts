/**
 * The status-bus contract, run against every implementation (`bus.test.ts`). A factory opens two buses
 * on one backend — two "processes" — so delivery across processes is tested, not only local fan-out.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { StatusBus } from '../../src/service/status/bus.js';
import type { StatusEvent } from '../../src/service/status/events.js';

export interface BusPair {
  a: StatusBus;
  b: StatusBus;
  close(): Promise<void>;
}

export function started(tenantId: string, calendarId = 'cal-1'): StatusEvent {
  return { type: 'started', tenantId, calendarId, integrationId: 'int-1', at: 1 };
}

async function until(fn: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for delivery');
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function statusBusConformance(open: () => Promise<BusPair>): void {
  let pair: BusPair;
  beforeEach(async () => {
    pair = await open();
  });
  afterEach(async () => {
    await pair.close();
  });

  it('delivers to a subscriber in the publishing process at once', async () => {
    const got: StatusEvent[] = [];
    pair.a.subscribe('t1', (e) => got.push(e));
    const publishing = pair.a.publish(started('t1'));
    expect(got).toEqual([started('t1')]);
    await publishing;
  });

  it('delivers to a subscriber in another process, once, in order', async () => {
    const got: StatusEvent[] = [];
    const local: StatusEvent[] = [];
    pair.b.subscribe('t1', (e) => got.push(e));
    pair.a.subscribe('t1', (e) => local.push(e));
    await new Promise((r) => setTimeout(r, 100)); // let the subscription reach the backend
    for (const calendarId of ['c1', 'c2', 'c3']) await pair.a.publish(started('t1', calendarId));
    await until(() => got.length === 3);
    expect(got.map((e) => (e as { calendarId?: string }).calendarId)).toEqual(['c1', 'c2', 'c3']);
    await new Promise((r) => setTimeout(r, 400));
    expect(local).toHaveLength(3); // its own events are not delivered a second time by the backend
    expect(got).toHaveLength(3);
  });

  it("keeps tenants apart: a subscriber sees its tenant's events only", async () => {
    const t1: StatusEvent[] = [];
    const t2: StatusEvent[] = [];
    pair.b.subscribe('t1', (e) => t1.push(e));
    pair.b.subscribe('t2', (e) => t2.push(e));
    await new Promise((r) => setTimeout(r, 100));
    await pair.a.publish(started('t2'));
    await pair.a.publish(started('t1'));
    await until(() => t1.length === 1 && t2.length === 1);
    expect(t1[0]?.tenantId).toBe('t1');
    expect(t2[0]?.tenantId).toBe('t2');
  });

  it('stops delivering after unsubscribe; a throwing listener does not stop the others', async () => {
    const kept: StatusEvent[] = [];
    const dropped: StatusEvent[] = [];
    const off = pair.b.subscribe('t1', (e) => dropped.push(e));
    pair.b.subscribe('t1', () => {
      throw new Error('broken socket');
    });
    pair.b.subscribe('t1', (e) => kept.push(e));
    off();
    await new Promise((r) => setTimeout(r, 100));
    await pair.a.publish(started('t1'));
    await until(() => kept.length === 1);
    expect(dropped).toEqual([]);
  });

  it('does not replay events published before a process subscribed', async () => {
    await pair.a.publish(started('t1', 'before'));
    await new Promise((r) => setTimeout(r, 100));
    const got: StatusEvent[] = [];
    pair.b.subscribe('t1', (e) => got.push(e));
    await new Promise((r) => setTimeout(r, 100));
    await pair.a.publish(started('t1', 'after'));
    await until(() => got.length >= 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(got.map((e) => (e as { calendarId?: string }).calendarId)).toEqual(['after']);
  });
}
