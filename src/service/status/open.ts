/**
 * Picks the status bus for a configuration: Redis pub/sub when `REDIS_URL` is set, else the store's table.
 * ioredis is imported only in the first case.
 */
import type { Kysely } from 'kysely';
import type { Clock } from '../../util/clock.js';
import type { StatusBus } from './bus.js';
import { StoreStatusBus } from './store-bus.js';

export interface OpenStatusBusOptions {
  redisUrl?: string;
  /** Redis channel namespace (default `calsync`). */
  prefix?: string;
  db: Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- the store's schema type is not ours
  dialect: 'sqlite' | 'postgres';
  clock?: Clock;
}

export async function openStatusBus(opts: OpenStatusBusOptions): Promise<StatusBus> {
  if (opts.redisUrl) {
    const { RedisStatusBus } = await import('./redis-bus.js');
    const bus = new RedisStatusBus({ redisUrl: opts.redisUrl, ...(opts.prefix ? { prefix: opts.prefix } : {}) });
    await bus.ready();
    return bus;
  }
  return StoreStatusBus.open({ db: opts.db, dialect: opts.dialect, ...(opts.clock ? { clock: opts.clock } : {}) });
}
