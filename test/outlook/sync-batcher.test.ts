import { describe, expect, it } from 'vitest';
import type { JobQueue, JobSpec } from '../../src/queue/types.js';
import { SyncEnqueueBatcher } from '../../src/service/outlook/sync-batcher.js';

/** A queue whose enqueues finish only when the test says so. */
function gatedQueue(): { queue: JobQueue; calls: JobSpec[]; finish(i: number): void; fail(i: number): void } {
  const calls: JobSpec[] = [];
  const gates: { resolve: () => void; reject: (e: Error) => void }[] = [];
  const queue = {
    enqueue: (spec: JobSpec) => {
      calls.push(spec);
      return new Promise((resolve, reject) => gates.push({ resolve: () => resolve({ id: `j${calls.length}`, coalesced: false }), reject }));
    },
  } as unknown as JobQueue;
  return { queue, calls, finish: (i) => gates[i]?.resolve(), fail: (i) => gates[i]?.reject(new Error('disk full')) };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('SyncEnqueueBatcher', () => {
  it('answers a burst with one enqueue in flight and one shared next, at the highest priority', async () => {
    const q = gatedQueue();
    const b = new SyncEnqueueBatcher(q.queue);
    const settled: string[] = [];
    const first = b.request('t', 'cal', 'low').then(() => settled.push('first'));
    const later = [b.request('t', 'cal', 'medium'), b.request('t', 'cal', 'high'), b.request('t', 'cal', 'low')].map((p, i) => p.then(() => settled.push(`later${i}`)));
    await tick();
    expect(q.calls).toHaveLength(1);
    q.finish(0);
    await first;
    await tick();
    // Those who arrived while the first was in flight share a second enqueue that starts after it.
    expect(settled).toEqual(['first']);
    expect(q.calls).toHaveLength(2);
    expect(q.calls[1]).toMatchObject({ priority: 'high', delayMs: 0, key: 'sync:cal' });
    q.finish(1);
    await Promise.all(later);
    expect(settled).toHaveLength(4);
    // Other calendars have their own lanes.
    const other = b.request('t', 'other', 'medium');
    await tick();
    expect(q.calls[2]).toMatchObject({ priority: 'medium', delayMs: 100 });
    q.finish(2);
    await other;
  });

  it('fails the requests of a failed enqueue (so the webhook answers 5xx and Graph retries), and recovers', async () => {
    const q = gatedQueue();
    const b = new SyncEnqueueBatcher(q.queue);
    const first = b.request('t', 'cal', 'low');
    const second = b.request('t', 'cal', 'low');
    await tick();
    q.fail(0);
    await expect(first).rejects.toThrow('disk full');
    await tick();
    q.finish(1);
    await expect(second).resolves.toBeUndefined();
  });
});
