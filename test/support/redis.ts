/**
 * Redis on this machine is shared by other suites and CI: every test run gets its own key prefix and
 * deletes exactly its own keys afterwards (SCAN, never KEYS/FLUSHDB).
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export function uniquePrefix(label = 'test'): string {
  return `calsync-${label}-${process.pid}-${randomUUID().slice(0, 8)}`;
}

/** Deletes every key starting with `prefix` (BullMQ keys are `<prefix>:<queue>:…`). Returns how many. */
export async function deleteKeysByPrefix(prefix: string, url = REDIS_URL): Promise<number> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}
