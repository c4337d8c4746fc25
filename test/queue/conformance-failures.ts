/** Queue conformance: retries, backoff, Retry-After, dead letters and tenant scoping. */
import { expect, it } from 'vitest';
import { CalsyncError } from '../../src/errors.js';
import type { ConformanceContext, Handlers } from './conformance-context.js';
import { handlers, T } from './conformance-context.js';
import { eventually } from './eventually.js';

export function failuresConformance(c: ConformanceContext): void {
  it('retries with exponential backoff and jitter, then dead-letters with the attempt history', async () => {
    const { q, h, work, state, waitState, gap } = c;
    let calls = 0;
    work(handlers({ flaky: async () => { calls++; throw new CalsyncError('PROVIDER_UNAVAILABLE', `down #${calls}`); } }));
    const { id } = await q.enqueue({ type: 'flaky', tenantId: T, payload: null, priority: 'high', backoffMs: h.unit });
    const first = await eventually(async () => { const j = await state(id); return j.state === 'delayed' && j.history.length === 1 ? j : undefined; });
    expect(first.attemptsMade).toBe(1);
    expect(gap(first)).toBeGreaterThanOrEqual(0.75 * h.unit - h.tolerance);
    expect(gap(first)).toBeLessThanOrEqual(1.25 * h.unit + h.tolerance);
    await h.advance(1.25 * h.unit + h.tolerance);
    const second = await eventually(async () => { const j = await state(id); return j.state === 'delayed' && j.history.length === 2 ? j : undefined; });
    expect(gap(second)).toBeGreaterThanOrEqual(1.5 * h.unit - h.tolerance);
    expect(gap(second)).toBeLessThanOrEqual(2.5 * h.unit + h.tolerance);
    await h.advance(2.5 * h.unit + h.tolerance);
    const dead = await waitState(id, 'dead');
    expect(calls).toBe(3);
    expect(dead.attemptsMade).toBe(3);
    expect(dead.history.map((a) => [a.error, a.code])).toEqual([
      ['down #1', 'PROVIDER_UNAVAILABLE'],
      ['down #2', 'PROVIDER_UNAVAILABLE'],
      ['down #3', 'PROVIDER_UNAVAILABLE'],
    ]);
    expect(dead.lastError).toBe('down #3');
    expect((await q.deadLetters(T)).map((j) => j.id)).toEqual([id]);
  });

  it('waits as long as a Retry-After on the error says, without jitter', async () => {
    const { q, h, work, state, waitState, gap } = c;
    let calls = 0;
    const retryAfterS = (3 * h.unit) / 1000;
    work(handlers({ throttled: async () => { if (++calls === 1) throw new CalsyncError('PROVIDER_THROTTLED', 'slow down', { retryAfterS }); } }));
    const { id } = await q.enqueue({ type: 'throttled', tenantId: T, payload: null, priority: 'high', backoffMs: h.unit / 10 });
    const waiting = await eventually(async () => { const j = await state(id); return j.state === 'delayed' ? j : undefined; });
    expect(Math.abs(gap(waiting) - 3 * h.unit)).toBeLessThanOrEqual(h.tolerance);
    await h.advance(h.unit);
    expect((await state(id)).state).toBe('delayed');
    await h.advance(2 * h.unit + h.tolerance);
    const done = await waitState(id, 'completed');
    expect(calls).toBe(2);
    expect(done.history).toHaveLength(1);
  });

  it('dead-letters non-retryable errors and unknown job types at once', async () => {
    const { q, work, waitState } = c;
    const errors: Record<string, () => unknown> = {
      auth: () => new CalsyncError('PROVIDER_AUTH', 'token revoked'),
      unrecoverable: () => new CalsyncError('JOB_UNRECOVERABLE', 'bad payload'),
      overridden: () => new CalsyncError('PROVIDER_UNAVAILABLE', 'gone for good', { retryable: false }),
      bug: () => new TypeError('undefined is not a function'),
    };
    const hs: Handlers = {};
    for (const [type, make] of Object.entries(errors)) hs[type] = async () => { throw make(); };
    work(hs);
    const ids: string[] = [];
    for (const type of [...Object.keys(errors), 'nobody-handles-this']) {
      ids.push((await q.enqueue({ type, tenantId: T, payload: null, priority: 'high', attempts: 5 })).id);
    }
    const dead = await Promise.all(ids.map((id) => waitState(id, 'dead')));
    expect(dead.map((j) => j.attemptsMade)).toEqual([1, 1, 1, 1, 1]);
    expect(dead.map((j) => j.history[0]?.code)).toEqual(['PROVIDER_AUTH', 'JOB_UNRECOVERABLE', 'PROVIDER_UNAVAILABLE', undefined, 'JOB_UNRECOVERABLE']);
    expect(dead[4]?.lastError).toMatch(/no handler.*nobody-handles-this/);
    expect((await q.counts(T)).dead).toBe(5);
  });

  it('replays a dead job with a fresh attempt budget, only for its tenant', async () => {
    const { q, work, waitState } = c;
    let fail = true;
    work(handlers({ job: async () => { if (fail) throw new CalsyncError('PROVIDER_AUTH', 'expired'); } }));
    const { id } = await q.enqueue({ type: 'job', tenantId: T, payload: null, priority: 'high', attempts: 1 });
    await waitState(id, 'dead');
    expect(await q.replay(id, 'tenant-b')).toBe(false);
    fail = false;
    expect(await q.replay(id, T)).toBe(true);
    const done = await waitState(id, 'completed');
    expect(done.attemptsMade).toBe(1);
    expect(done.history.map((a) => a.error)).toEqual(['expired']);
    expect(await q.replay(id)).toBe(false);
    expect(await q.deadLetters()).toEqual([]);
  });

  it('discards a dead job, only for its tenant', async () => {
    const { q, h, work, waitState } = c;
    work(handlers({ job: async () => { throw new CalsyncError('JOB_UNRECOVERABLE', 'no'); } }));
    const { id } = await q.enqueue({ type: 'job', tenantId: T, payload: null, priority: 'high' });
    const live = await q.enqueue({ type: 'job', tenantId: T, payload: null, priority: 'low', delayMs: 100 * h.unit });
    await waitState(id, 'dead');
    expect(await q.discard(live.id)).toBe(false);
    expect(await q.discard(id, 'tenant-b')).toBe(false);
    expect(await q.discard(id, T)).toBe(true);
    expect(await q.get(id)).toBeUndefined();
    expect(await q.deadLetters(T)).toEqual([]);
    expect(await q.discard(id)).toBe(false);
  });

  it('scopes counts and dead letters to a tenant', async () => {
    const { q, h, work, waitState } = c;
    work(handlers({ bad: async () => { throw new CalsyncError('VALIDATION', 'bad'); } }));
    await q.enqueue({ type: 'later', tenantId: 't1', payload: null, priority: 'low', delayMs: 100 * h.unit });
    await q.enqueue({ type: 'later', tenantId: 't1', payload: null, priority: 'low', delayMs: 100 * h.unit });
    await q.enqueue({ type: 'later', tenantId: 't2', payload: null, priority: 'medium', delayMs: 100 * h.unit });
    const d1 = await q.enqueue({ type: 'bad', tenantId: 't1', payload: null, priority: 'high' });
    const d2 = await q.enqueue({ type: 'bad', tenantId: 't2', payload: null, priority: 'high' });
    await waitState(d1.id, 'dead');
    await waitState(d2.id, 'dead');
    expect(await q.counts('t1')).toEqual({ waiting: 0, delayed: 2, active: 0, dead: 1 });
    expect(await q.counts('t2')).toEqual({ waiting: 0, delayed: 1, active: 0, dead: 1 });
    expect(await q.counts()).toEqual({ waiting: 0, delayed: 3, active: 0, dead: 2 });
    expect((await q.deadLetters('t1')).map((j) => j.id)).toEqual([d1.id]);
    expect((await q.deadLetters()).map((j) => j.id).sort()).toEqual([d1.id, d2.id].sort());
  });
}
