/**
 * A Redis client, with ioredis loaded only when one is asked for: a deployment without `REDIS_URL` never
 * loads it (start-up cost, see the startup benchmark). ioredis reconnects by itself; the error listener
 * keeps an outage from crashing the process (commands fail, and their callers retry).
 */
import type { Redis, RedisOptions } from 'ioredis';

export async function connectRedis(url: string, options: RedisOptions = { maxRetriesPerRequest: 2 }): Promise<Redis> {
  const { Redis: Client } = await import('ioredis');
  const redis = new Client(url, options);
  redis.on('error', () => undefined);
  return redis;
}
