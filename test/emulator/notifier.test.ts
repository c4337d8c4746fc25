import { describe, expect, it } from 'vitest';
import type { PostResult, WebhookPoster } from '../../src/emulator/graph/http-post.js';
import { type DeliveryOptions, Notifier } from '../../src/emulator/graph/notifier.js';
import { ManualClock } from '../../src/util/clock.js';

const OPTIONS: DeliveryOptions = {
  timeoutMs: 3000,
  retryBaseMs: 10_000,
  retryMaxMs: 60_000,
  retryWindowMs: 4 * 3_600_000,
  maxAttempts: 1000,
  slowThresholdMs: 2900,
  slowWindowMs: 600_000,
  slowMinSample: 10,
  slowThrottleDelayMs: 600_000,
  pumpIntervalMs: 60_000,
};

/** A scripted receiver: each POST answers with the next result (or throws, for a timeout). */
function poster(script: (n: number) => PostResult | Error): WebhookPoster & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async post(_url, body) {
      calls.push(body);
      const r = script(calls.length);
      if (r instanceof Error) throw r;
      return r;
    },
  };
}

const ok = (elapsedMs = 5): PostResult => ({ status: 202, contentType: '', body: '', elapsedMs });
const item = (n: number) => ({ subscriptionId: 's1', n });

describe('notification delivery rules (clock-driven)', () => {
  it('backs off exponentially on the clock, capped, and gives up after the 4-hour window', async () => {
    const clock = new ManualClock();
    const sender = poster(() => ({ status: 500, contentType: '', body: '', elapsedMs: 5 }));
    const n = new Notifier(clock, sender, OPTIONS);
    try {
      n.enqueue('https://hook', item(1));
      await n.drain();
      expect(sender.calls).toHaveLength(1);
      await n.pump();
      expect(sender.calls).toHaveLength(1); // not due yet
      clock.advance(10_000);
      await n.drain();
      expect(sender.calls).toHaveLength(2);
      clock.advance(19_999);
      await n.drain();
      expect(sender.calls).toHaveLength(2); // second backoff is 20 s
      clock.advance(1);
      await n.drain();
      expect(sender.calls).toHaveLength(3);
      // Backoff is capped at retryMaxMs; keep failing until the retry window closes.
      for (let i = 0; i < 300 && n.pendingCount() > 0; i++) {
        clock.advance(60_000);
        await n.drain();
      }
      expect(n.pendingCount()).toBe(0);
      expect(n.log.at(-1)?.outcome).toBe('discarded');
      expect(clock.now() - Date.UTC(2026, 5, 1, 12)).toBeGreaterThanOrEqual(4 * 3_600_000);
    } finally {
      n.close();
    }
  });

  it('delays all notifications to a URL with ≥ 10 % slow answers, drops them at ≥ 15 %, and resets after 10 minutes', async () => {
    const clock = new ManualClock();
    let slow = 1; // the first answer is slow
    const sender = poster((k) => ok(k <= slow ? 3000 : 5));
    const n = new Notifier(clock, sender, OPTIONS);
    const dropped: string[][] = [];
    n.onDropped = (ids) => dropped.push(ids);
    try {
      for (let i = 0; i < 10; i++) {
        n.enqueue('https://hook', item(i));
        await n.drain();
      }
      expect(n.health('https://hook')).toBe('throttle'); // 1 of 10
      n.enqueue('https://hook', item(10));
      await n.drain();
      expect(sender.calls).toHaveLength(10); // held back for 10 minutes
      clock.advance(599_999);
      await n.drain();
      expect(sender.calls).toHaveLength(10);
      clock.advance(1);
      // A new window: the counters reset, and the held notification goes out.
      await n.drain();
      expect(sender.calls).toHaveLength(11);
      expect(n.health('https://hook')).toBe('ok');

      slow = 100; // every answer from now on is slow
      for (let i = 0; i < 10; i++) {
        n.enqueue('https://other', item(i));
        await n.drain();
      }
      expect(n.health('https://other')).toBe('drop');
      n.enqueue('https://other', item(99));
      expect(dropped).toEqual([['s1']]);
      expect(n.log.at(-1)).toMatchObject({ outcome: 'dropped', error: 'endpoint too slow' });
      // A lifecycle notice dropped at the same slow URL raises no further `missed` (no recursion).
      n.enqueue('https://other', { ...item(100), lifecycleEvent: 'missed' });
      expect(dropped).toEqual([['s1']]);
      expect(n.log.at(-1)).toMatchObject({ outcome: 'dropped' });
    } finally {
      n.close();
    }
  });

  it('counts a timeout as a slow answer and a failure', async () => {
    const clock = new ManualClock();
    const sender = poster(() => new Error('This operation was aborted'));
    const n = new Notifier(clock, sender, { ...OPTIONS, slowMinSample: 1, maxAttempts: 1 });
    try {
      n.enqueue('https://hook', item(1));
      await n.drain();
      expect(n.log.at(-1)).toMatchObject({ outcome: 'discarded', error: 'This operation was aborted' });
      expect(n.health('https://hook')).toBe('drop');
    } finally {
      n.close();
    }
  });

  it('reorders: a held notification goes out after a later one was delivered', async () => {
    const clock = new ManualClock();
    const sender = poster(() => ok());
    const n = new Notifier(clock, sender, OPTIONS);
    try {
      n.faults.reorder = 1;
      n.enqueue('https://hook', item(1));
      n.enqueue('https://hook', item(2));
      await n.drain();
      expect(sender.calls.map((c) => (JSON.parse(c) as { value: { n: number }[] }).value[0]?.n)).toEqual([2, 1]);
      // Held items are not lost when nothing follows them: drain releases them.
      n.faults.reorder = 1;
      n.enqueue('https://hook', item(3));
      await n.drain();
      expect(sender.calls).toHaveLength(3);
    } finally {
      n.close();
    }
  });

  it('delays by clock time on request and batches items raised together into one POST', async () => {
    const clock = new ManualClock();
    const sender = poster(() => ok());
    const n = new Notifier(clock, sender, OPTIONS);
    try {
      n.faults.delayMs = 5000;
      n.faults.delayCount = 1;
      n.enqueue('https://hook', item(1));
      await n.drain();
      expect(sender.calls).toHaveLength(0);
      clock.advance(5000);
      await n.drain();
      expect(sender.calls).toHaveLength(1);
      n.enqueue('https://hook', item(2));
      n.enqueue('https://hook', { subscriptionId: 's2', n: 3 });
      await n.drain();
      expect(sender.calls).toHaveLength(2);
      expect((JSON.parse(sender.calls[1] ?? '') as { value: unknown[] }).value).toHaveLength(2);
    } finally {
      n.close();
    }
  });
});
