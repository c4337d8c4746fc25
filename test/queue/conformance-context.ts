/** What every conformance test gets: the harness of the current test and helpers bound to it. */
import type { Job, JobHandler, JobQueue, QueueWorker, WorkerOptions } from '../../src/queue/types.js';
import type { QueueHarness } from './conformance.js';
import { eventually } from './eventually.js';

export type Handlers = Record<string, JobHandler<never>>;
export const T = 'tenant-a';

/** Lets tests write typed handlers while `work` takes the erased record. */
export function handlers(h: Record<string, (payload: never, job: Job<never>, ctx: Parameters<JobHandler>[2]) => Promise<void>>): Handlers {
  return h as Handlers;
}

export interface ConformanceContext {
  /** Set before each test. */
  h: QueueHarness;
  q: JobQueue;
  /** Starts a worker (on `q` or another queue) that is stopped after the test. */
  work(hs: Handlers, opts?: WorkerOptions, on?: JobQueue): QueueWorker;
  /** A worker the test disposed of itself (e.g. abandoned). */
  forget(w: QueueWorker): void;
  state(id: string): Promise<Job>;
  waitState(id: string, s: Job['state'], timeoutMs?: number): Promise<Job>;
  /** Time between a job's last failure (or creation) and its next run. */
  gap(job: Job): number;
  stopWorkers(): Promise<void>;
}

export function conformanceContext(): ConformanceContext {
  const workers: QueueWorker[] = [];
  const c: ConformanceContext = {
    h: undefined as unknown as QueueHarness,
    q: undefined as unknown as JobQueue,
    work(hs, opts, on = c.q) {
      const w = on.work(hs, opts);
      workers.push(w);
      return w;
    },
    forget(w) {
      workers.splice(workers.indexOf(w), 1);
    },
    async state(id) {
      const job = await c.q.get(id);
      if (!job) throw new Error(`job ${id} not found`);
      return job;
    },
    waitState(id, s, timeoutMs = 5_000) {
      return eventually(async () => {
        const j = await c.q.get(id);
        return j?.state === s ? j : undefined;
      }, timeoutMs, `job ${id} to be ${s}`);
    },
    gap: (job) => Date.parse(job.runAt) - Date.parse(job.history[job.history.length - 1]?.at ?? job.createdAt),
    async stopWorkers() {
      await Promise.all(workers.splice(0).map((w) => w.stop(0)));
    },
  };
  return c;
}
