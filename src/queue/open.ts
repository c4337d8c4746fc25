/**
 * Picks the queue backend from configuration: BullMQ when a Redis URL is given (scale-out), otherwise
 * the embedded durable queue in the store's database. Each backend is imported only when chosen, so
 * without REDIS_URL neither BullMQ nor ioredis is ever loaded.
 */
import type { Kysely } from 'kysely';
import { CalsyncError } from '../errors.js';
import type { Clock } from '../util/clock.js';
import type { SqlDialect } from './sql/migrations.js';
import type { JobQueue } from './types.js';

export interface OpenQueueOptions {
  redisUrl?: string;
  /** Redis key prefix (BullMQ only). */
  prefix?: string;
  /** The store's database (SQL backend). */
  db?: Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- the store's schema type is not ours
  dialect?: SqlDialect;
  /** SQL backend only: BullMQ schedules on Redis' and the workers' own clocks. */
  clock?: Clock;
}

export async function openQueue(opts: OpenQueueOptions): Promise<JobQueue> {
  if (opts.redisUrl !== undefined && opts.redisUrl !== '') {
    const { BullJobQueue } = await import('./bullmq/bullmq-queue.js');
    return new BullJobQueue({ redisUrl: opts.redisUrl, ...(opts.prefix === undefined ? {} : { prefix: opts.prefix }) });
  }
  if (opts.db === undefined || opts.dialect === undefined) {
    throw new CalsyncError('CONFIG', 'the embedded queue needs the store database (db and dialect) when REDIS_URL is unset', {
      retryable: false,
    });
  }
  const { SqlJobQueue } = await import('./sql/sql-queue.js');
  return SqlJobQueue.open({ db: opts.db, dialect: opts.dialect, ...(opts.clock === undefined ? {} : { clock: opts.clock }) });
}
