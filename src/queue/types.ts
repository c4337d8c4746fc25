/**
 * The job-queue contract. Two implementations pass one conformance suite (`test/queue/conformance.ts`):
 * the embedded durable queue on the SQL store (default) and BullMQ on Redis (`REDIS_URL`).
 */
import type { Priority } from '../model/event.js';

export type JobState = 'waiting' | 'delayed' | 'active' | 'completed' | 'dead';

export interface JobSpec<P = unknown> {
  /** Handler name, e.g. `sync.calendar`, `graph.renew`, `notify.deliver`. */
  type: string;
  tenantId: string;
  payload: P;
  priority: Priority;
  /**
   * Coalescing key: while a job with this key is waiting/delayed, enqueueing another with the same key
   * merges into it (the earlier run time and the higher priority win) instead of adding a job.
   */
  key?: string;
  /** At most one active job per mutex key across all workers and processes (e.g. `calendar:<id>`). */
  mutex?: string;
  /** Run no earlier than this many ms from now (debounce). High priority defaults to 0. */
  delayMs?: number;
  /** Defaults: 3 attempts, 2,000 ms base exponential backoff with jitter. */
  attempts?: number;
  backoffMs?: number;
}

export interface JobAttempt {
  at: string;
  error: string;
  code?: string;
}

export interface Job<P = unknown> {
  id: string;
  type: string;
  tenantId: string;
  payload: P;
  priority: Priority;
  key?: string;
  mutex?: string;
  state: JobState;
  attemptsMade: number;
  maxAttempts: number;
  runAt: string;
  history: JobAttempt[];
  lastError?: string;
  createdAt: string;
}

export interface JobContext {
  /** Correlation id for logs. */
  jobId: string;
  attempt: number;
  /** Aborted when the worker shuts down (a graceful stop still lets the handler finish) or lets go of the job; long handlers should check it. */
  signal: AbortSignal;
  /**
   * Aborted when the worker no longer holds the job: its lease or mutex was lost (another worker may run
   * it now) or it was given back at a shutdown timeout. A handler must stop writing at once (a calendar
   * sync fails with SYNC_LEASE_LOST). Always set by the queues; optional for handlers called directly.
   */
  lost?: AbortSignal;
}

export type JobHandler<P = unknown> = (payload: P, job: Job<P>, ctx: JobContext) => Promise<void>;

export interface WorkerOptions {
  /** Concurrent jobs per worker (default 4). */
  concurrency?: number;
  /** Lease length; a job whose worker died is picked up again after it (default 30,000 ms). */
  leaseMs?: number;
}

export interface QueueWorker {
  /** Stops taking jobs; waits for in-flight jobs (or releases them when `timeoutMs` passes). */
  stop(timeoutMs?: number): Promise<void>;
}

export interface QueueCounts {
  waiting: number;
  delayed: number;
  active: number;
  dead: number;
}

export interface JobQueue {
  readonly backend: 'sql' | 'bullmq';
  enqueue<P>(spec: JobSpec<P>): Promise<{ id: string; coalesced: boolean }>;
  /** Starts a worker that runs the given handlers. */
  work(handlers: Record<string, JobHandler<never>>, opts?: WorkerOptions): QueueWorker;
  get(id: string): Promise<Job | undefined>;
  counts(tenantId?: string): Promise<QueueCounts>;
  deadLetters(tenantId?: string): Promise<Job[]>;
  /** Moves a dead job back to waiting with a fresh attempt budget. */
  replay(id: string, tenantId?: string): Promise<boolean>;
  discard(id: string, tenantId?: string): Promise<boolean>;
  /** Resolves once nothing is waiting, delayed-and-due or active (tests and the CLI's `sync`). */
  drain(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}
