/**
 * The embedded durable queue (default backend): jobs live in the store's database (SQLite or
 * PostgreSQL) next to the data they sync, so an accepted webhook survives a restart without Redis.
 */
import type { Kysely } from 'kysely';
import { CalsyncError } from '../../errors.js';
import { systemClock } from '../../util/clock.js';
import type { Clock } from '../../util/clock.js';
import type { Priority } from '../../model/event.js';
import { DEFAULT_CONCURRENCY, DEFAULT_DEBOUNCE_MS, DEFAULT_LEASE_MS, resolveSpec } from '../defaults.js';
import type { Job, JobHandler, JobQueue, JobSpec, QueueCounts, QueueWorker, WorkerOptions } from '../types.js';
import { SqlEnqueuer } from './enqueue.js';
import { SqlJobStore } from './job-store.js';
import { SqlLeases } from './leases.js';
import { migrateQueue } from './migrations.js';
import type { SqlDialect } from './migrations.js';
import type { QueueDb } from './schema.js';
import { SqlWorker } from './sql-worker.js';

export interface SqlQueueOptions {
  /** Any Kysely instance on the store's database; the queue adds its own tables (own migrations). */
  db: Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- the store's schema type is not ours
  dialect: SqlDialect;
  /** Default: the system clock. Tests pass a ManualClock and call `poke()` after moving it. */
  clock?: Clock;
  /** How often idle workers look for jobs from other processes and delays falling due (default 200 ms). */
  pollMs?: number;
  /** Lease renewal interval (default: a third of the lease). */
  heartbeatMs?: number;
  /** Debounce for specs without `delayMs` (default: high 0, medium 1 s, low 5 s). */
  debounceMs?: Readonly<Record<Priority, number>>;
  /** How long completed jobs stay readable with `get` (default 1 h). */
  completedRetentionMs?: number;
  /** Jitter source, injectable for reproducible backoff schedules. */
  random?: () => number;
  /** Errors of the background loop (database down…); default: written to stderr. */
  onError?: (err: unknown) => void;
}

/** How often `drain` looks at the tables. */
const DRAIN_POLL_MS = 10;

export class SqlJobQueue implements JobQueue {
  readonly backend = 'sql' as const;
  private readonly store: SqlJobStore;
  private readonly enqueuer: SqlEnqueuer;
  private readonly leases: SqlLeases;
  private readonly clock: Clock;
  private readonly workers = new Set<SqlWorker>();
  private closed = false;

  private constructor(private readonly opts: SqlQueueOptions) {
    this.clock = opts.clock ?? systemClock;
    // Plugins of the store's instance (e.g. camel-casing) must not rewrite the queue's columns.
    const db = (opts.db as Kysely<QueueDb>).withoutPlugins();
    this.store = new SqlJobStore(db, opts.dialect, this.clock);
    this.enqueuer = new SqlEnqueuer(db, opts.dialect, this.clock);
    this.leases = new SqlLeases(db, opts.dialect, this.clock, opts.random);
  }

  static async open(opts: SqlQueueOptions): Promise<SqlJobQueue> {
    await migrateQueue((opts.db as Kysely<unknown>).withoutPlugins(), opts.dialect);
    return new SqlJobQueue(opts);
  }

  async enqueue<P>(spec: JobSpec<P>): Promise<{ id: string; coalesced: boolean }> {
    this.assertOpen();
    const result = await this.enqueuer.enqueue(resolveSpec(spec, this.opts.debounceMs ?? DEFAULT_DEBOUNCE_MS));
    for (const w of this.workers) w.wake();
    return result;
  }

  work(handlers: Record<string, JobHandler<never>>, opts: WorkerOptions = {}): QueueWorker {
    this.assertOpen();
    const leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
    const worker = new SqlWorker(
      this.store,
      this.leases,
      this.clock,
      handlers,
      {
        concurrency: Math.max(1, opts.concurrency ?? DEFAULT_CONCURRENCY),
        leaseMs,
        heartbeatMs: this.opts.heartbeatMs ?? Math.max(1, Math.floor(leaseMs / 3)),
        pollMs: this.opts.pollMs ?? 200,
        completedRetentionMs: this.opts.completedRetentionMs ?? 60 * 60 * 1000,
        onError: this.opts.onError ?? ((err) => console.error('calsync queue worker:', err)),
      },
      (w) => this.workers.delete(w),
    );
    this.workers.add(worker);
    return worker;
  }

  /** Wakes this process's workers now and makes them check leases: call after moving a manual clock. */
  poke(): void {
    for (const w of this.workers) w.wake(true);
  }

  get(id: string): Promise<Job | undefined> {
    return this.store.get(id);
  }

  counts(tenantId?: string): Promise<QueueCounts> {
    return this.store.counts(tenantId);
  }

  deadLetters(tenantId?: string): Promise<Job[]> {
    return this.store.deadLetters(tenantId);
  }

  async replay(id: string, tenantId?: string): Promise<boolean> {
    const replayed = await this.store.replay(id, tenantId);
    if (replayed) for (const w of this.workers) w.wake();
    return replayed;
  }

  discard(id: string, tenantId?: string): Promise<boolean> {
    return this.store.discard(id, tenantId);
  }

  async drain(timeoutMs = 30_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (await this.store.busy()) {
      if (performance.now() >= deadline) {
        throw new CalsyncError('QUEUE_FAILURE', `queue did not drain within ${timeoutMs} ms`, { details: { timeoutMs } });
      }
      await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
    }
  }

  /** Stops this process's workers (their jobs go back to the queue); the database stays open (the store owns it). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.workers].map((w) => w.stop(0)));
  }

  private assertOpen(): void {
    if (this.closed) throw new CalsyncError('QUEUE_FAILURE', 'queue is closed', { retryable: false });
  }
}
