/** Queue conformance: running, ordering, delaying and coalescing jobs. */
import { expect, it } from 'vitest';
import type { ConformanceContext } from './conformance-context.js';
import { handlers, T } from './conformance-context.js';
import { eventually, gate } from './eventually.js';

export function schedulingConformance(c: ConformanceContext): void {
  it('runs a job once with its payload and records it completed', async () => {
    const { q, work, waitState } = c;
    const seen: Array<{ payload: unknown; attempt: number; jobId: string }> = [];
    const { id, coalesced } = await q.enqueue({ type: 'echo', tenantId: T, payload: { n: 1 }, priority: 'high' });
    expect(coalesced).toBe(false);
    work(handlers({ echo: async (payload, _job, ctx) => void seen.push({ payload, attempt: ctx.attempt, jobId: ctx.jobId }) }));
    const done = await waitState(id, 'completed');
    expect(seen).toEqual([{ payload: { n: 1 }, attempt: 1, jobId: id }]);
    expect(done).toMatchObject({ id, type: 'echo', tenantId: T, priority: 'high', attemptsMade: 1, history: [] });
  });

  it('runs high before medium before low, first-in first-out within a priority', async () => {
    const { q, work } = c;
    const order: string[] = [];
    for (const [tag, priority] of [['low1', 'low'], ['med1', 'medium'], ['high1', 'high'], ['low2', 'low'], ['high2', 'high']] as const) {
      await q.enqueue({ type: 'rec', tenantId: T, payload: tag, priority, delayMs: 0 });
    }
    work(handlers({ rec: async (p: string) => void order.push(p) }), { concurrency: 1 });
    await eventually(() => order.length === 5, 5_000, 'five jobs');
    expect(order).toEqual(['high1', 'high2', 'med1', 'low1', 'low2']);
  });

  it('delays a job (debounce) and runs high priority at once by default', async () => {
    const { q, h, work, state, waitState } = c;
    const ran: string[] = [];
    work(handlers({ rec: async (p: string) => void ran.push(p) }));
    const later = await q.enqueue({ type: 'rec', tenantId: T, payload: 'later', priority: 'low', delayMs: 3 * h.unit });
    const debounced = await q.enqueue({ type: 'rec', tenantId: T, payload: 'debounced', priority: 'medium' });
    const now = await q.enqueue({ type: 'rec', tenantId: T, payload: 'now', priority: 'high' });
    await waitState(now.id, 'completed');
    expect((await state(later.id)).state).toBe('delayed');
    expect(ran).toEqual(['now']);
    const d = await state(debounced.id);
    expect(Date.parse(d.runAt) - Date.parse(d.createdAt)).toBeGreaterThanOrEqual(h.unit - h.tolerance);
    await h.advance(h.unit + h.tolerance);
    await waitState(debounced.id, 'completed');
    expect((await state(later.id)).state).toBe('delayed');
    await h.advance(2 * h.unit + h.tolerance);
    await waitState(later.id, 'completed');
    expect(ran).toEqual(['now', 'debounced', 'later']);
  });

  it('coalesces pending jobs with the same key: earlier run time and higher priority win', async () => {
    const { q, h, work, state, waitState } = c;
    const a = await q.enqueue({ type: 'sync', tenantId: T, payload: 1, priority: 'low', key: 'cal:1', delayMs: 5 * h.unit });
    const b = await q.enqueue({ type: 'sync', tenantId: T, payload: 2, priority: 'medium', key: 'cal:1', delayMs: 2 * h.unit });
    const later = await q.enqueue({ type: 'sync', tenantId: T, payload: 3, priority: 'low', key: 'cal:1', delayMs: 10 * h.unit });
    const other = await q.enqueue({ type: 'sync', tenantId: 'tenant-b', payload: 4, priority: 'low', key: 'cal:1', delayMs: 5 * h.unit });
    expect([b.coalesced, later.coalesced, other.coalesced]).toEqual([true, true, false]);
    expect(b.id).toBe(a.id);
    expect(later.id).toBe(a.id);
    expect(other.id).not.toBe(a.id);
    const merged = await state(a.id);
    expect(merged.priority).toBe('medium');
    expect(Math.abs(Date.parse(merged.runAt) - Date.parse(merged.createdAt) - 2 * h.unit)).toBeLessThanOrEqual(h.tolerance + 5);
    expect(await q.counts(T)).toMatchObject({ waiting: 0, delayed: 1 });
    const runs: unknown[] = [];
    work(handlers({ sync: async (p) => void runs.push(p) }));
    const urgent = await q.enqueue({ type: 'sync', tenantId: T, payload: 5, priority: 'high', key: 'cal:1' });
    expect(urgent).toEqual({ id: a.id, coalesced: true });
    await waitState(a.id, 'completed');
    expect(runs).toEqual([1]);
    expect((await state(a.id)).priority).toBe('high');
  });

  it('makes one job of concurrent enqueues with one key', async () => {
    const { q, h } = c;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => q.enqueue({ type: 'sync', tenantId: T, payload: i, priority: 'low', key: 'cal:race', delayMs: 10 * h.unit })),
    );
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(results.filter((r) => !r.coalesced)).toHaveLength(1);
    expect(await q.counts(T)).toMatchObject({ waiting: 0, delayed: 1 });
  });

  it('does not coalesce into a job that already started', async () => {
    const { q, work, waitState } = c;
    const g = gate();
    const runs: number[] = [];
    work(handlers({ sync: async (p: number) => { runs.push(p); await g.promise; } }));
    const first = await q.enqueue({ type: 'sync', tenantId: T, payload: 1, priority: 'high', key: 'cal:2' });
    await eventually(() => runs.length === 1, 5_000, 'the first run to start');
    const second = await q.enqueue({ type: 'sync', tenantId: T, payload: 2, priority: 'high', key: 'cal:2', mutex: 'cal:2' });
    expect(second.coalesced).toBe(false);
    expect(second.id).not.toBe(first.id);
    g.open();
    await waitState(second.id, 'completed');
    expect(runs).toEqual([1, 2]);
  });
}
