/**
 * Running one handler, shared by both backends: the handler gets an AbortSignal, and a worker that must
 * let go of the job (shutdown timeout, lost lease) stops waiting for it at once. A handler that ignores
 * the signal keeps running in the background, but its outcome no longer touches the job.
 */
import { CalsyncError } from '../errors.js';
import type { Job, JobContext, JobHandler } from './types.js';

export type HandlerOutcome = { kind: 'done' } | { kind: 'failed'; error: unknown } | { kind: 'released' };

export class InFlight {
  /** Aborted at a graceful stop (and when the job is let go): the handler may finish. */
  readonly controller = new AbortController();
  /** Aborted only when the job is let go (lease or mutex lost, shutdown timeout): the handler must stop writing. */
  private readonly lost = new AbortController();
  private releaseNow: (() => void) | undefined;
  private released = false;

  /** Abandons the job: the worker gives it back without waiting for the handler. */
  release(): void {
    this.released = true;
    this.lost.abort();
    this.controller.abort();
    this.releaseNow?.();
  }

  get isReleased(): boolean {
    return this.released;
  }

  async run(handlers: Record<string, JobHandler<never>>, job: Job, attempt: number): Promise<HandlerOutcome> {
    const handler = handlers[job.type];
    if (handler === undefined) {
      return { kind: 'failed', error: new CalsyncError('JOB_UNRECOVERABLE', `no handler registered for job type ${job.type}`) };
    }
    const ctx: JobContext = { jobId: job.id, attempt, signal: this.controller.signal, lost: this.lost.signal };
    const released = new Promise<'released'>((resolve) => {
      this.releaseNow = () => resolve('released');
    });
    const work = (async () => handler(job.payload as never, job as Job<never>, ctx))();
    // The race below may leave `work` behind; its rejection must not become an unhandled one.
    work.catch(() => undefined);
    try {
      const first = await Promise.race([work, released]);
      if (first === 'released' || this.released) return { kind: 'released' };
      return { kind: 'done' };
    } catch (error) {
      // A handler that gives up because shutdown aborted it has not failed: the job goes back.
      if (this.released || this.controller.signal.aborted) return { kind: 'released' };
      return { kind: 'failed', error };
    }
  }
}
