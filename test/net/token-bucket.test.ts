import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/util/clock.js';
import { TokenBucket, TokenBuckets, realSleep } from '../../src/net/token-bucket.js';

describe('TokenBucket', () => {
  it('lets a burst through, then paces callers at the refill rate using the injected clock', async () => {
    const clock = new ManualClock();
    const slept: number[] = [];
    const sleep = async (ms: number): Promise<void> => {
      slept.push(ms);
      clock.advance(ms);
    };
    const bucket = new TokenBucket({ capacity: 2, refillPerSecond: 4 }, clock, sleep);
    await bucket.take();
    await bucket.take();
    expect(slept).toEqual([]);
    await bucket.take();
    expect(slept).toEqual([250]);
    clock.advance(1000);
    expect(bucket.waitMs()).toBe(0);
  });

  it('queues concurrent callers in order instead of letting them all through', () => {
    const clock = new ManualClock();
    const waits: number[] = [];
    const bucket = new TokenBucket({ capacity: 1, refillPerSecond: 10 }, clock, async (ms) => {
      waits.push(ms);
    });
    void bucket.take();
    void bucket.take();
    void bucket.take();
    expect(waits).toEqual([100, 200]);
  });

  it('refuses a nonsensical configuration', () => {
    expect(() => new TokenBucket({ capacity: 0, refillPerSecond: 1 }, new ManualClock())).toThrow(RangeError);
  });

  it('keeps one bucket per host', () => {
    const buckets = new TokenBuckets({ capacity: 1, refillPerSecond: 1 }, new ManualClock());
    expect(buckets.for('a')).toBe(buckets.for('a'));
    expect(buckets.for('a')).not.toBe(buckets.for('b'));
  });
});

describe('realSleep', () => {
  it('resolves after the delay and rejects when aborted', async () => {
    await expect(realSleep(1)).resolves.toBeUndefined();
    const controller = new AbortController();
    const pending = realSleep(10_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    await expect(realSleep(1, AbortSignal.abort(new Error('already')))).rejects.toThrow('already');
  });
});
