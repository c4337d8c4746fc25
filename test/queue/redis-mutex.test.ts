import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisMutex } from '../../src/queue/bullmq/redis-mutex.js';
import { deleteKeysByPrefix, REDIS_URL, uniquePrefix } from '../support/redis.js';

describe('RedisMutex', () => {
  const prefix = uniquePrefix('mutex');
  let redis: Redis;
  let mutex: RedisMutex;
  beforeAll(() => {
    redis = new Redis(REDIS_URL);
    mutex = new RedisMutex(redis, prefix);
  });
  afterAll(async () => {
    redis.disconnect();
    expect(await deleteKeysByPrefix(prefix)).toBeGreaterThanOrEqual(0);
  });

  it('admits one holder; only the holder renews or releases', async () => {
    expect(await mutex.acquire('cal:1', 'a', 10_000)).toBe(true);
    expect(await mutex.acquire('cal:1', 'b', 10_000)).toBe(false);
    expect(await mutex.renew('cal:1', 'b', 10_000)).toBe(false);
    await mutex.release('cal:1', 'b');
    expect(await mutex.acquire('cal:1', 'b', 10_000)).toBe(false);
    expect(await mutex.renew('cal:1', 'a', 20_000)).toBe(true);
    expect(await redis.pttl(`${prefix}:mutex:cal:1`)).toBeGreaterThan(10_000);
    await mutex.release('cal:1', 'a');
    expect(await mutex.acquire('cal:1', 'b', 10_000)).toBe(true);
  });

  it('frees itself when the holder stops renewing (the TTL is the lease)', async () => {
    expect(await mutex.acquire('cal:2', 'dead-worker', 30)).toBe(true);
    await new Promise((r) => setTimeout(r, 60));
    expect(await mutex.acquire('cal:2', 'next', 10_000)).toBe(true);
    expect(await mutex.renew('cal:2', 'dead-worker', 10_000)).toBe(false);
  });

  it('deletes only the keys of its own prefix', async () => {
    const other = uniquePrefix('other');
    await redis.set(`${other}:k`, '1');
    await redis.set(`${prefix}:extra`, '1');
    expect(await deleteKeysByPrefix(prefix)).toBeGreaterThanOrEqual(1);
    expect(await redis.get(`${other}:k`)).toBe('1');
    expect(await deleteKeysByPrefix(other)).toBe(1);
  });
});
