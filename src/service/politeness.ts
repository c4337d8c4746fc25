/**
 * The per-host politeness of a process: one rate limiter and one set of circuit breakers for every
 * CalDAV provider it runs. With Redis (`REDIS_URL`) both are kept there, so every worker process of a
 * deployment shares one bucket per account on a server and one circuit per server; without it they are
 * shared in the process.
 */
import { ServerPolicies } from '../net/resilience.js';
import { RedisCircuit, RedisTokenBuckets, type HostRateLimiter } from '../net/shared-politeness.js';
import { TokenBuckets, type TokenBucketOptions } from '../net/token-bucket.js';
import type { Clock } from '../util/clock.js';
import { connectRedis } from '../util/redis-client.js';

/** Requests per account on a host, for the whole deployment (the rate each CalDAV client had on its own before). */
export const HOST_RATE_LIMIT: TokenBucketOptions = { capacity: 20, refillPerSecond: 10 };

export interface Politeness {
  readonly backend: 'process' | 'redis';
  readonly rateLimiter: HostRateLimiter;
  readonly policies: ServerPolicies;
  close(): Promise<void>;
}

export interface PolitenessOptions {
  clock: Clock;
  redis?: { url: string; prefix: string };
  rateLimit?: TokenBucketOptions;
}

export async function openPoliteness(opts: PolitenessOptions): Promise<Politeness> {
  const rate = opts.rateLimit ?? HOST_RATE_LIMIT;
  if (!opts.redis) {
    return { backend: 'process', rateLimiter: new TokenBuckets(rate, opts.clock), policies: new ServerPolicies(), close: async () => undefined };
  }
  const redis = await connectRedis(opts.redis.url);
  const prefix = `${opts.redis.prefix}:hosts`;
  return {
    backend: 'redis',
    rateLimiter: new RedisTokenBuckets(redis, prefix, rate, opts.clock),
    policies: new ServerPolicies({}, new RedisCircuit(redis, prefix, opts.clock)),
    close: async () => {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
