/**
 * A BullMQ worker with calsync semantics on top:
 * - mutex: before running, the job takes its Redis mutex; if another process holds it the job is moved
 *   back to delayed for `busyDelayMs` *without consuming an attempt* (BullMQ's `DelayedError` path), so
 *   a burst of syncs for one calendar queues up instead of running in parallel or failing;
 * - coalescing: the job gives up its deduplication key when it starts, so an enqueue arriving while it
 *   runs creates a new job (the change it announces may not be seen by the running sync);
 * - failures: the attempt is appended to the job's history, then BullMQ retries it with the shared
 *   backoff (see `backoffStrategy` in bullmq-queue.ts) or moves it to failed (= dead letters);
 * - lease: BullMQ's job lock (`lockDuration` = leaseMs) and stalled-job checker reclaim jobs of dead
 *   workers; the mutex has the same TTL and is renewed alongside.
 */
import { randomUUID } from 'node:crypto';
import { DelayedError, Worker } from 'bullmq';
import type { Job as BullJob } from 'bullmq';
import { Redis } from 'ioredis';
import { attemptRecord } from '../failure.js';
import { InFlight } from '../run-handler.js';
import type { JobHandler, QueueWorker } from '../types.js';
import type { BackoffStrategy } from './backoff-strategy.js';
import type { Envelope } from './envelope.js';
import { toJob } from './envelope.js';
import type { RedisMutex } from './redis-mutex.js';

export interface BullWorkerConfig {
  queueName: string;
  prefix: string;
  redisUrl: string;
  concurrency: number;
  leaseMs: number;
  busyDelayMs: number;
  backoffStrategy: BackoffStrategy;
  onError: (err: unknown) => void;
}

export class BullWorker implements QueueWorker {
  private readonly worker: Worker<Envelope>;
  private readonly connection: Redis;
  private readonly inFlight = new Set<InFlight>();
  private readonly renewals = new Set<NodeJS.Timeout>();
  private abandoned = false;
  private stopped: Promise<void> | undefined;

  constructor(
    private readonly handlers: Record<string, JobHandler<never>>,
    private readonly mutex: RedisMutex,
    private readonly cfg: BullWorkerConfig,
    private readonly detach: (w: BullWorker) => void,
  ) {
    this.connection = new Redis(cfg.redisUrl, { maxRetriesPerRequest: null });
    this.worker = new Worker<Envelope>(cfg.queueName, (job, token) => this.process(job, token ?? randomUUID()), {
      connection: this.connection,
      prefix: cfg.prefix,
      concurrency: cfg.concurrency,
      lockDuration: cfg.leaseMs,
      stalledInterval: cfg.leaseMs,
      // A job that keeps killing its worker must end in the dead letters, not loop forever.
      maxStalledCount: 2,
      settings: { backoffStrategy: cfg.backoffStrategy },
    });
    this.worker.on('error', (err) => cfg.onError(err));
  }

  private async process(job: BullJob<Envelope>, token: string): Promise<void> {
    const env = job.data;
    const mutexToken = randomUUID();
    if (env.mutex !== undefined && !(await this.mutex.acquire(env.mutex, mutexToken, this.cfg.leaseMs))) {
      await job.moveToDelayed(Date.now() + this.cfg.busyDelayMs, token);
      throw new DelayedError();
    }
    // Abandoned (crash simulation) while taking the job: behave like the dead process, do nothing more.
    if (this.abandoned) return new Promise<void>(() => undefined);
    await job.removeDeduplicationKey();
    const run = new InFlight();
    // A stop that began while this job was being taken must still reach its handler.
    if (this.stopped !== undefined) run.controller.abort();
    this.inFlight.add(run);
    const renewal = env.mutex === undefined ? undefined : this.renewMutex(env.mutex, mutexToken, run);
    try {
      const outcome = await run.run(this.handlers, toJob(job, 'active', undefined), job.attemptsMade + 1);
      if (this.abandoned) return new Promise<void>(() => undefined);
      if (outcome.kind === 'released') {
        await job.moveToDelayed(Date.now(), token);
        throw new DelayedError();
      }
      if (outcome.kind === 'failed') {
        const record = attemptRecord(outcome.error, Date.now());
        await job.updateData({ ...env, history: [...env.history, record], lastError: record.error });
        throw outcome.error;
      }
    } finally {
      this.inFlight.delete(run);
      if (renewal !== undefined) {
        clearInterval(renewal);
        this.renewals.delete(renewal);
        if (!this.abandoned && env.mutex !== undefined) await this.mutex.release(env.mutex, mutexToken);
      }
    }
  }

  private renewMutex(name: string, token: string, run: InFlight): NodeJS.Timeout {
    const timer = setInterval(() => {
      if (this.abandoned) {
        clearInterval(timer);
        return;
      }
      this.mutex.renew(name, token, this.cfg.leaseMs).then(
        (held) => {
          // Someone else holds the calendar now: stop waiting for this run.
          if (!held) run.release();
        },
        (err: unknown) => this.cfg.onError(err),
      );
    }, Math.max(1, Math.floor(this.cfg.leaseMs / 3)));
    this.renewals.add(timer);
    return timer;
  }

  stop(timeoutMs?: number): Promise<void> {
    this.stopped ??= this.shutdown(timeoutMs);
    return this.stopped;
  }

  private async shutdown(timeoutMs?: number): Promise<void> {
    for (const run of this.inFlight) run.controller.abort();
    const closing = this.worker.close();
    if (timeoutMs !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
      if ((await Promise.race([closing, timedOut])) === 'timeout') {
        for (const run of this.inFlight) run.release();
      }
      clearTimeout(timer);
    }
    await closing;
    await this.connection.quit();
    this.detach(this);
  }

  /**
   * Stops without telling Redis, as if the process had been killed: locks and mutexes are no longer
   * renewed, so the stalled-job checker of another worker hands the jobs out again after the lease.
   */
  async abandon(): Promise<void> {
    this.abandoned = true;
    for (const t of this.renewals) clearInterval(t);
    this.renewals.clear();
    await this.worker.close(true);
    this.connection.disconnect();
    this.detach(this);
  }
}
