/**
 * Picks the queue backend from configuration: BullMQ when a Redis URL is given (scale-out), otherwise
 * the embedded durable queue in the store's database.
 */
import type { Kysely } from 'kysely';
import { CalsyncError } from '../errors.js';
import type { Clock } from '../util/clock.js';
import { BullJobQueue } from './bullmq/bullmq-queue.js';
import type { SqlDialect } from './sql/migrations.js';
import { SqlJobQueue } from './sql/sql-queue.js';
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
    return new BullJobQueue({ redisUrl: opts.redisUrl, ...(opts.prefix === undefined ? {} : { prefix: opts.prefix }) });
  }
  if (opts.db === undefined || opts.dialect === undefined) {
    throw new CalsyncError('CONFIG', 'the embedded queue needs the store database (db and dialect) when REDIS_URL is unset', {
      retryable: false,
    });
  }
  return SqlJobQueue.open({ db: opts.db, dialect: opts.dialect, ...(opts.clock === undefined ? {} : { clock: opts.clock }) });
}
