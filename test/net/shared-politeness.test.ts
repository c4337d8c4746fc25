/**
 * Per-host politeness kept in Redis (the real one, own key prefix): separate clients stand for separate
 * worker processes; time is a ManualClock, so nothing sleeps.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CalsyncError } from '../../src/errors.js';
import { ServerPolicies } from '../../src/net/resilience.js';
import { RedisCircuit, RedisTokenBuckets } from '../../src/net/shared-politeness.js';
import { openPoliteness } from '../../src/service/politeness.js';
import { ManualClock } from '../../src/util/clock.js';
import { deleteKeysByPrefix, REDIS_URL, uniquePrefix } from '../support/redis.js';

const clients: Redis[] = [];
let prefix: string;
let clock: ManualClock;

function client(): Redis {
  const r = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  clients.push(r);
  return r;
}

beforeEach(() => {
  prefix = uniquePrefix('hosts');
  clock = new ManualClock();
});
afterEach(async () => {
  await deleteKeysByPrefix(prefix);
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.quit()));
});

describe('a host token bucket in Redis', () => {
  it('is one bucket for every process: the burst is shared, then the rate, and callers queue in order', async () => {
    const rate = { capacity: 3, refillPerSecond: 2 };
    const [a, b] = [new RedisTokenBuckets(client(), prefix, rate, clock), new RedisTokenBuckets(client(), prefix, rate, clock)];
    expect([await a.reserve('caldav.icloud.com'), await b.reserve('caldav.icloud.com'), await a.reserve('caldav.icloud.com')]).toEqual([0, 0, 0]);
    expect(await b.reserve('caldav.icloud.com')).toBe(500);
    expect(await a.reserve('caldav.icloud.com')).toBe(1_000);
    // Another host has its own bucket.
    expect(await b.reserve('dav.example.com')).toBe(0);
    clock.advance(2_500);
    expect(await a.reserve('caldav.icloud.com')).toBe(0);
    const slept: number[] = [];
    const sleeping = new RedisTokenBuckets(client(), prefix, rate, clock, async (ms) => void slept.push(ms));
    for (let i = 0; i < 3; i += 1) await sleeping.take('caldav.icloud.com');
    expect(slept).toEqual([500]);
  });
});

describe('a host circuit in Redis', () => {
  it('opens for every process after consecutive outages seen by any, lets one trial through, and closes on success', async () => {
    const [a, b] = [new RedisCircuit(client(), prefix, clock, { threshold: 2, halfOpenAfterMs: 10_000 }), new RedisCircuit(client(), prefix, clock, { threshold: 2, halfOpenAfterMs: 10_000 })];
    const origin = 'https://caldav.icloud.com';
    await a.before(origin);
    await a.after(origin, true);
    await b.after(origin, true);
    const open = await b.before(origin).catch((e: unknown) => e);
    expect(open).toBeInstanceOf(CalsyncError);
    expect(open).toMatchObject({ code: 'PROVIDER_CIRCUIT_OPEN', retryAfterS: 10 });
    await expect(a.before(origin)).rejects.toMatchObject({ code: 'PROVIDER_CIRCUIT_OPEN' });
    // Another server is not affected.
    await a.before('https://dav.example.com');

    clock.advance(10_000);
    await a.before(origin); // the trial
    await expect(b.before(origin)).rejects.toMatchObject({ code: 'PROVIDER_CIRCUIT_OPEN' });
    // The trial failed: open again for the whole period.
    await a.after(origin, true);
    await expect(b.before(origin)).rejects.toMatchObject({ code: 'PROVIDER_CIRCUIT_OPEN', retryAfterS: 10 });
    clock.advance(10_000);
    await b.before(origin);
    await b.after(origin, false);
    await a.before(origin);
    await a.before(origin);
    // A success resets the count: one outage no longer opens it.
    await a.after(origin, true);
    await b.before(origin);
  });

  it('stops a second process calling a server the first saw fail (through ServerPolicies)', async () => {
    const opts = { maxAttempts: 1, breakerThreshold: 100 };
    const first = new ServerPolicies(opts, new RedisCircuit(client(), prefix, clock, { threshold: 3 }));
    const second = new ServerPolicies(opts, new RedisCircuit(client(), prefix, clock, { threshold: 3 }));
    const origin = 'https://caldav.icloud.com';
    const down = async (): Promise<never> => {
      throw new CalsyncError('PROVIDER_UNAVAILABLE', 'HTTP 503', { retryable: true });
    };
    for (let i = 0; i < 3; i += 1) await expect(first.execute(origin, down)).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    let called = false;
    await expect(
      second.execute(origin, async () => {
        called = true;
        return 'ok';
      }),
    ).rejects.toMatchObject({ code: 'PROVIDER_CIRCUIT_OPEN' });
    expect(called).toBe(false);
    // A 404 is an answer: the server is up (here, once the circuit lets a trial through).
    clock.advance(30_000);
    await expect(second.execute(origin, async () => Promise.reject(new CalsyncError('PROVIDER_NOT_FOUND', 'gone')))).rejects.toMatchObject({ code: 'PROVIDER_NOT_FOUND' });
    expect(await first.execute(origin, async () => 'ok')).toBe('ok');
  });
});

describe('openPoliteness', () => {
  it('shares in the process without Redis, and in Redis with it', async () => {
    const local = await openPoliteness({ clock });
    expect(local.backend).toBe('process');
    await local.rateLimiter.take('h');
    await local.close();
    const shared = await openPoliteness({ clock, redis: { url: REDIS_URL, prefix }, rateLimit: { capacity: 1, refillPerSecond: 1 } });
    expect(shared.backend).toBe('redis');
    const other = new RedisTokenBuckets(client(), `${prefix}:hosts`, { capacity: 1, refillPerSecond: 1 }, clock);
    await shared.rateLimiter.take('h');
    expect(await other.reserve('h')).toBe(1_000);
    expect(await shared.policies.execute('https://h', async () => 'ok')).toBe('ok');
    await shared.close();
  });
});
