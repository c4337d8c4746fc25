/**
 * The queue contract, run against every backend (vdirsyncer StorageTests / BullMQ adapter-conformance
 * style). A harness hides how time moves: a manual clock plus a poke on the SQL queue, tiny real waits
 * on BullMQ (Redis schedules on its own clock). Delays are written in harness units.
 */
import { afterEach, beforeEach, describe } from 'vitest';
import type { JobQueue, QueueWorker } from '../../src/queue/types.js';
import { conformanceContext } from './conformance-context.js';
import { failuresConformance } from './conformance-failures.js';
import { schedulingConformance } from './conformance-scheduling.js';
import { workersConformance } from './conformance-workers.js';

export interface QueueHarness {
  queue: JobQueue;
  /** Test time unit (ms); queues are built with debounce medium = 1 unit, low = 5 units. */
  unit: number;
  /** Allowed error when comparing scheduled times (0 on a manual clock). */
  tolerance: number;
  /** Lease for the crash tests. */
  leaseMs: number;
  /** Moves time forward and lets workers notice. */
  advance(ms: number): Promise<void>;
  /** Kills a worker as a crashed process would (no cleanup). */
  abandon(worker: QueueWorker): Promise<void>;
  /** Another queue over the same storage, as another process would open it. */
  peer(): Promise<JobQueue>;
  close(): Promise<void>;
}

export function queueConformance(name: string, factory: () => Promise<QueueHarness>): void {
  describe(`queue conformance [${name}]`, () => {
    const c = conformanceContext();
    beforeEach(async () => {
      c.h = await factory();
      c.q = c.h.queue;
    });
    afterEach(async () => {
      await c.stopWorkers();
      await c.h.close();
    });
    schedulingConformance(c);
    failuresConformance(c);
    workersConformance(c);
  });
}
