import { BullJobQueue } from '../../src/queue/bullmq/bullmq-queue.js';
import type { BullWorker } from '../../src/queue/bullmq/bullmq-worker.js';
import { deleteKeysByPrefix, REDIS_URL, uniquePrefix } from '../support/redis.js';
import { queueConformance } from './conformance.js';
import { sleep } from './eventually.js';

/** Redis schedules on real time, so BullMQ tests use a 200 ms unit (±100 ms: shared, loaded machines) and a 300 ms lease. */
const UNIT = 200;

queueConformance('bullmq', async () => {
  const prefix = uniquePrefix('queue');
  const queues: BullJobQueue[] = [];
  const open = (): BullJobQueue => {
    const q = new BullJobQueue({
      redisUrl: REDIS_URL,
      prefix,
      debounceMs: { high: 0, medium: UNIT, low: 5 * UNIT },
      busyDelayMs: 10,
      onError: () => undefined,
    });
    queues.push(q);
    return q;
  };
  return {
    queue: open(),
    unit: UNIT,
    tolerance: 100,
    leaseMs: 300,
    advance: (ms) => sleep(ms),
    abandon: (w) => (w as BullWorker).abandon(),
    peer: async () => open(),
    async close() {
      for (const q of queues) await q.close();
      await deleteKeysByPrefix(prefix);
    },
  };
});
