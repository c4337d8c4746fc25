/** Queue conformance: mutexes, leases, crashed workers, graceful stop and drain. */
import { expect, it } from 'vitest';
import type { ConformanceContext } from './conformance-context.js';
import { handlers, T } from './conformance-context.js';
import { eventually, gate, sleep } from './eventually.js';

export function workersConformance(c: ConformanceContext): void {
  it('never runs two jobs with the same mutex at once, across workers and processes', async () => {
    const { q, h, work, waitState } = c;
    const other = await h.peer();
    const active = new Map<string, number>();
    const maxPerMutex = new Map<string, number>();
    let running = 0;
    let maxRunning = 0;
    const hs = handlers({
      sync: async (p: { cal: string }) => {
        const n = (active.get(p.cal) ?? 0) + 1;
        active.set(p.cal, n);
        maxPerMutex.set(p.cal, Math.max(maxPerMutex.get(p.cal) ?? 0, n));
        maxRunning = Math.max(maxRunning, ++running);
        await sleep(3);
        running--;
        active.set(p.cal, (active.get(p.cal) ?? 1) - 1);
      },
    });
    for (const on of [q, q, other, other]) work(hs, { concurrency: 4 }, on);
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const cal = `cal-${i % 4}`;
      ids.push((await q.enqueue({ type: 'sync', tenantId: T, payload: { cal }, priority: 'high', mutex: `calendar:${cal}` })).id);
    }
    for (const id of ids) await waitState(id, 'completed', 20_000);
    expect([...maxPerMutex.values()]).toEqual([1, 1, 1, 1]);
    expect(maxRunning).toBeGreaterThan(1);
  });

  it('keeps renewing the lease of a long job', async () => {
    const { q, h, work, state, waitState } = c;
    const g = gate();
    let runs = 0;
    const hs = handlers({ long: async () => { runs++; await g.promise; } });
    work(hs, { leaseMs: h.leaseMs });
    const { id } = await q.enqueue({ type: 'long', tenantId: T, payload: null, priority: 'high', mutex: 'calendar:long' });
    await waitState(id, 'active');
    work(hs, { leaseMs: h.leaseMs }, await h.peer());
    // Three leases' worth of time, in steps shorter than a lease (heartbeats run between steps).
    for (let i = 0; i < 12; i++) await h.advance(h.leaseMs / 4);
    expect((await state(id)).state).toBe('active');
    g.open();
    await waitState(id, 'completed');
    expect(runs).toBe(1);
  });

  it('hands the job of a killed worker to another one after its lease expires', async () => {
    const { q, h, work, waitState, forget } = c;
    const started: string[] = [];
    const crashed = work(handlers({ sync: async () => { started.push('crashed'); await new Promise(() => undefined); } }), { leaseMs: h.leaseMs });
    const { id } = await q.enqueue({ type: 'sync', tenantId: T, payload: null, priority: 'high', mutex: 'calendar:x' });
    await eventually(() => started.length === 1, 5_000, 'the doomed run to start');
    await h.abandon(crashed);
    forget(crashed);
    work(handlers({ sync: async () => void started.push('rescuer') }), { leaseMs: h.leaseMs }, await h.peer());
    await h.advance(h.leaseMs + h.unit);
    await waitState(id, 'completed', 10_000);
    expect(started).toEqual(['crashed', 'rescuer']);
  });

  it('stops gracefully: finishes the running job, signals it, takes no new ones', async () => {
    const { q, work, state } = c;
    const g = gate();
    let signalled = false;
    let lost: boolean | undefined;
    const ran: string[] = [];
    const w = work(handlers({ job: async (p: string, _j, ctx) => { ran.push(p); await g.promise; signalled = ctx.signal.aborted; lost = ctx.lost?.aborted; } }));
    const { id } = await q.enqueue({ type: 'job', tenantId: T, payload: 'first', priority: 'high' });
    await eventually(() => ran.length === 1, 5_000, 'the handler to start');
    let stopped = false;
    const stopping = w.stop().then(() => (stopped = true));
    await sleep(20);
    expect(stopped).toBe(false);
    g.open();
    await stopping;
    expect(signalled).toBe(true);
    // A graceful stop is not a lost job: the handler still holds it and may go on writing.
    expect(lost).toBe(false);
    expect((await state(id)).state).toBe('completed');
    const after = await q.enqueue({ type: 'job', tenantId: T, payload: 'second', priority: 'high' });
    await sleep(50);
    expect((await state(after.id)).state).toBe('waiting');
    expect(ran).toEqual(['first']);
  });

  it('gives a job back when stopping times out, without using an attempt', async () => {
    const { q, h, work, state, waitState } = c;
    const w = work(handlers({ job: async () => { await new Promise(() => undefined); } }));
    const { id } = await q.enqueue({ type: 'job', tenantId: T, payload: null, priority: 'high', attempts: 1 });
    await waitState(id, 'active');
    await w.stop(30);
    const back = await eventually(async () => { const j = await state(id); return j.state === 'waiting' || j.state === 'delayed' ? j : undefined; });
    expect(back.attemptsMade).toBe(0);
    expect(back.history).toEqual([]);
    work(handlers({ job: async () => undefined }));
    await h.advance(h.unit);
    await waitState(id, 'completed');
  });

  it('drains: resolves when idle, fails with QUEUE_FAILURE when a job never finishes', async () => {
    const { q, work } = c;
    work(handlers({ quick: async () => undefined, stuck: async () => { await new Promise(() => undefined); } }));
    for (let i = 0; i < 5; i++) await q.enqueue({ type: 'quick', tenantId: T, payload: i, priority: 'high' });
    await q.drain(5_000);
    expect(await q.counts()).toMatchObject({ waiting: 0, active: 0 });
    await q.enqueue({ type: 'stuck', tenantId: T, payload: null, priority: 'high' });
    await expect(q.drain(100)).rejects.toMatchObject({ code: 'QUEUE_FAILURE' });
  });
}
