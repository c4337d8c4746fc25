/**
 * The SQL queue's worker loop: claim up to `concurrency` due jobs, run them, sleep until woken (an
 * enqueue or a finished job in this process) or until the poll interval passes (jobs enqueued by other
 * processes, delays falling due). Leases are renewed by a heartbeat; expired ones are reclaimed here.
 */
import { InFlight } from '../run-handler.js';
import type { JobHandler, QueueWorker } from '../types.js';
import type { Claim } from './claim.js';
import type { SqlLeases } from './leases.js';
import type { SqlJobStore } from './job-store.js';
import { rowToJob } from './schema.js';
import type { Clock } from '../../util/clock.js';

export interface SqlWorkerConfig {
  concurrency: number;
  leaseMs: number;
  heartbeatMs: number;
  pollMs: number;
  completedRetentionMs: number;
  onError: (err: unknown) => void;
}

/** Housekeeping (expired leases, old completed jobs) runs at most this often unless poked. */
const SWEEP_EVERY_MS = 1_000;

export class SqlWorker implements QueueWorker {
  private readonly inFlight = new Map<string, { claim: Claim; run: InFlight; done: Promise<void> }>();
  private stopping = false;
  private abandoned = false;
  private wakeUp: (() => void) | undefined;
  private lastSweep = 0;
  private stopped: Promise<void> | undefined;
  private sweepRequested = true;
  private wakePending = false;
  private renewing = false;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly loopDone: Promise<void>;

  constructor(
    private readonly store: SqlJobStore,
    private readonly leases: SqlLeases,
    private readonly clock: Clock,
    private readonly handlers: Record<string, JobHandler<never>>,
    private readonly cfg: SqlWorkerConfig,
    private readonly detach: (w: SqlWorker) => void,
  ) {
    this.heartbeat = setInterval(() => void this.renewAll(), cfg.heartbeatMs);
    this.heartbeat.unref();
    this.loopDone = this.loop();
  }

  /** Wakes the loop now; `sweep` also forces housekeeping (the clock may have moved). */
  wake(sweep = false): void {
    if (sweep) this.sweepRequested = true;
    this.wakeUp?.();
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.sweepIfDue();
        while (!this.stopping && this.inFlight.size < this.cfg.concurrency) {
          const claims = await this.leases.claim(this.cfg.concurrency - this.inFlight.size, this.cfg.leaseMs);
          // Stopped while claiming: a graceful stop hands the jobs straight back, a crash leaves them.
          if (this.abandoned) break;
          for (const claim of claims) {
            if (this.stopping) await this.leases.release(claim);
            else this.start(claim);
          }
          if (claims.length === 0) break;
        }
      } catch (err) {
        this.cfg.onError(err);
      }
      if (this.stopping) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.cfg.pollMs);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeUp = undefined;
    }
  }

  /** Finished jobs wake the loop once per turn of the event loop, so freed slots are claimed in one batch. */
  private wakeSoon(): void {
    if (this.wakePending) return;
    this.wakePending = true;
    setImmediate(() => {
      this.wakePending = false;
      this.wake();
    });
  }

  private async sweepIfDue(): Promise<void> {
    const t = performance.now();
    if (!this.sweepRequested && t - this.lastSweep < SWEEP_EVERY_MS) return;
    this.sweepRequested = false;
    this.lastSweep = t;
    await this.leases.reclaimExpired();
    await this.store.pruneCompleted(this.cfg.completedRetentionMs);
  }

  private start(claim: Claim): void {
    const run = new InFlight();
    const done = (async () => {
      const job = rowToJob(claim.row, this.clock.now());
      const outcome = await run.run(this.handlers, job, claim.row.attempts_made);
      if (this.abandoned) return;
      try {
        if (outcome.kind === 'done') await this.leases.complete(claim);
        else if (outcome.kind === 'failed') await this.leases.fail(claim, outcome.error);
        else await this.leases.release(claim);
      } catch (err) {
        // The lease will expire and the job will be reclaimed: nothing is lost.
        this.cfg.onError(err);
      }
    })().finally(() => {
      this.inFlight.delete(claim.row.id);
      this.wakeSoon();
    });
    this.inFlight.set(claim.row.id, { claim, run, done });
  }

  private async renewAll(): Promise<void> {
    // Heartbeats must not pile up behind a slow database: skip a beat instead.
    if (this.renewing) return;
    this.renewing = true;
    try {
      await this.renewEach();
    } finally {
      this.renewing = false;
    }
  }

  private async renewEach(): Promise<void> {
    for (const { claim, run } of [...this.inFlight.values()]) {
      if (run.isReleased) continue;
      try {
        // A lost lease means another worker may already run the job: stop waiting for this one.
        if (!(await this.leases.renew(claim.row.id, claim.token, this.cfg.leaseMs))) run.release();
      } catch (err) {
        this.cfg.onError(err);
      }
    }
  }

  stop(timeoutMs?: number): Promise<void> {
    this.stopped ??= this.shutdown(timeoutMs);
    return this.stopped;
  }

  private async shutdown(timeoutMs?: number): Promise<void> {
    this.stopping = true;
    for (const { run } of this.inFlight.values()) run.controller.abort();
    this.wake();
    await this.loopDone;
    const all = Promise.all([...this.inFlight.values()].map((f) => f.done));
    if (timeoutMs === undefined) {
      await all;
    } else {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
      if ((await Promise.race([all, timedOut])) === 'timeout') {
        for (const { run } of this.inFlight.values()) run.release();
        await all;
      }
      clearTimeout(timer);
    }
    clearInterval(this.heartbeat);
    this.detach(this);
  }

  /**
   * Stops everything without telling the database, as if the process had been killed: the jobs it held
   * stay active until their leases expire. For crash tests and fatal-error exits.
   */
  abandon(): void {
    this.abandoned = true;
    this.stopping = true;
    clearInterval(this.heartbeat);
    this.wake();
    this.detach(this);
  }
}
