/**
 * The scale-out backend: BullMQ on Redis (`REDIS_URL`), for PostgreSQL deployments with many worker
 * processes. Semantics match the SQL queue (one conformance suite); how each rule maps onto BullMQ is
 * described where it is implemented (bullmq-worker.ts, enqueue.ts).
 */
import { Queue } from 'bullmq';
import type { Job as BullJob } from 'bullmq';
import { Redis } from 'ioredis';
import { CalsyncError } from '../../errors.js';
import type { Priority } from '../../model/event.js';
import { DEFAULT_CONCURRENCY, DEFAULT_DEBOUNCE_MS, DEFAULT_LEASE_MS, resolveSpec } from '../defaults.js';
import type { Job, JobHandler, JobQueue, JobSpec, QueueCounts, QueueWorker, WorkerOptions } from '../types.js';
import { calsyncBackoff } from './backoff-strategy.js';
import { BullWorker } from './bullmq-worker.js';
import { enqueueCoalescing } from './enqueue.js';
import { DELAY_SCORE_FACTOR, toJob } from './envelope.js';
import type { Envelope } from './envelope.js';
import { RedisMutex } from './redis-mutex.js';

export interface BullQueueOptions {
  redisUrl: string;
  /** Key namespace (BullMQ `prefix`, default `calsync`): lets tenants of one Redis, or tests, stay apart. */
  prefix?: string;
  /** BullMQ queue name (default `jobs`). */
  queueName?: string;
  /** Debounce for specs without `delayMs` (default: high 0, medium 1 s, low 5 s). */
  debounceMs?: Readonly<Record<Priority, number>>;
  /** How long a job whose mutex is busy waits before it is tried again (default 250 ms). */
  busyDelayMs?: number;
  /** How long completed jobs stay readable with `get` (default 1 h). */
  completedRetentionMs?: number;
  random?: () => number;
  onError?: (err: unknown) => void;
}

const DRAIN_POLL_MS = 10;
const LIVE_STATES = ['waiting', 'prioritized', 'delayed', 'active', 'failed'] as const;

export class BullJobQueue implements JobQueue {
  readonly backend = 'bullmq' as const;
  private readonly connection: Redis;
  private readonly queue: Queue<Envelope>;
  private readonly mutex: RedisMutex;
  private readonly prefix: string;
  private readonly queueName: string;
  private readonly workers = new Set<BullWorker>();
  private closed = false;

  constructor(private readonly opts: BullQueueOptions) {
    this.prefix = opts.prefix ?? 'calsync';
    this.queueName = opts.queueName ?? 'jobs';
    this.connection = new Redis(opts.redisUrl, { maxRetriesPerRequest: null });
    this.queue = new Queue<Envelope>(this.queueName, { connection: this.connection, prefix: this.prefix });
    this.mutex = new RedisMutex(this.connection, `${this.prefix}:${this.queueName}:calsync`);
  }

  enqueue<P>(spec: JobSpec<P>): Promise<{ id: string; coalesced: boolean }> {
    this.assertOpen();
    const resolved = resolveSpec(spec, this.opts.debounceMs ?? DEFAULT_DEBOUNCE_MS);
    return enqueueCoalescing(this.queue, resolved, (id) => this.delayedRunAt(id), (this.opts.completedRetentionMs ?? 3_600_000) / 1000);
  }

  work(handlers: Record<string, JobHandler<never>>, opts: WorkerOptions = {}): QueueWorker {
    this.assertOpen();
    const worker = new BullWorker(
      handlers,
      this.mutex,
      {
        queueName: this.queueName,
        prefix: this.prefix,
        redisUrl: this.opts.redisUrl,
        concurrency: Math.max(1, opts.concurrency ?? DEFAULT_CONCURRENCY),
        leaseMs: opts.leaseMs ?? DEFAULT_LEASE_MS,
        busyDelayMs: this.opts.busyDelayMs ?? 250,
        backoffStrategy: calsyncBackoff(this.opts.random),
        onError: this.opts.onError ?? ((err) => console.error('calsync queue worker:', err)),
      },
      (w) => this.workers.delete(w),
    );
    this.workers.add(worker);
    return worker;
  }

  /** When a delayed job runs, from BullMQ's delayed set; undefined when it is not delayed. */
  private async delayedRunAt(id: string): Promise<number | undefined> {
    const score = await this.connection.zscore(this.queue.toKey('delayed'), id);
    return score === null ? undefined : Math.floor(Number(score) / DELAY_SCORE_FACTOR);
  }

  async get(id: string): Promise<Job | undefined> {
    // State first: a job read after it is at least as new as the state (see toJob's attempt count).
    const state = await this.queue.getJobState(id);
    const job = await this.queue.getJob(id);
    if (!job) return undefined;
    return toJob(job, state, state === 'delayed' ? await this.delayedRunAt(id) : undefined);
  }

  async counts(tenantId?: string): Promise<QueueCounts> {
    if (tenantId === undefined) {
      const c = await this.queue.getJobCounts(...LIVE_STATES);
      return { waiting: (c.waiting ?? 0) + (c.prioritized ?? 0), delayed: c.delayed ?? 0, active: c.active ?? 0, dead: c.failed ?? 0 };
    }
    // BullMQ counts per queue, not per tenant: a tenant's counts are a scan of the live jobs.
    const counts: QueueCounts = { waiting: 0, delayed: 0, active: 0, dead: 0 };
    for (const state of LIVE_STATES) {
      const jobs = await this.queue.getJobs([state]);
      const n = jobs.filter((j) => j.data.tenantId === tenantId).length;
      if (state === 'failed') counts.dead += n;
      else if (state === 'delayed' || state === 'active') counts[state] += n;
      else counts.waiting += n;
    }
    return counts;
  }

  async deadLetters(tenantId?: string): Promise<Job[]> {
    const failed = await this.queue.getFailed(0, -1);
    const mine = failed.filter((j) => tenantId === undefined || j.data.tenantId === tenantId);
    return mine.map((j) => toJob(j, 'failed', undefined));
  }

  private async deadJob(id: string, tenantId?: string): Promise<BullJob<Envelope> | undefined> {
    const job = await this.queue.getJob(id);
    if (!job || (tenantId !== undefined && job.data.tenantId !== tenantId)) return undefined;
    return (await job.getState()) === 'failed' ? job : undefined;
  }

  async replay(id: string, tenantId?: string): Promise<boolean> {
    const job = await this.deadJob(id, tenantId);
    if (!job) return false;
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    return true;
  }

  async discard(id: string, tenantId?: string): Promise<boolean> {
    const job = await this.deadJob(id, tenantId);
    if (!job) return false;
    await job.remove();
    return true;
  }

  async drain(timeoutMs = 30_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (await this.busy()) {
      if (performance.now() >= deadline) {
        throw new CalsyncError('QUEUE_FAILURE', `queue did not drain within ${timeoutMs} ms`, { details: { timeoutMs } });
      }
      await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
    }
  }

  private async busy(): Promise<boolean> {
    const c = await this.queue.getJobCounts('waiting', 'prioritized', 'active');
    if ((c.waiting ?? 0) + (c.prioritized ?? 0) + (c.active ?? 0) > 0) return true;
    const due = await this.connection.zrangebyscore(this.queue.toKey('delayed'), 0, (Date.now() + 1) * DELAY_SCORE_FACTOR, 'LIMIT', 0, 1);
    return due.length > 0;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.workers].map((w) => w.stop(0)));
    await this.queue.close();
    await this.connection.quit();
  }

  private assertOpen(): void {
    if (this.closed) throw new CalsyncError('QUEUE_FAILURE', 'queue is closed', { retryable: false });
  }
}
