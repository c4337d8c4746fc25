/** Harness for the SQL queue: a manual clock moved by the test, workers poked after each move. */
import type { Kysely } from 'kysely';
import { SqlJobQueue } from '../../src/queue/sql/sql-queue.js';
import type { SqlWorker } from '../../src/queue/sql/sql-worker.js';
import type { SqlDialect } from '../../src/queue/sql/migrations.js';
import { ManualClock } from '../../src/util/clock.js';
import type { QueueHarness } from './conformance.js';
import { sleep } from './eventually.js';

const UNIT = 1_000;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any store schema
export async function sqlHarness(dialect: SqlDialect, connect: () => Kysely<any>, cleanup: () => Promise<void> = async () => undefined): Promise<QueueHarness> {
  const clock = new ManualClock();
  const errors: unknown[] = [];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any store schema
  const dbs: Kysely<any>[] = [];
  const queues: SqlJobQueue[] = [];
  const open = async (): Promise<SqlJobQueue> => {
    const db = connect();
    dbs.push(db);
    const q = await SqlJobQueue.open({
      db,
      dialect,
      clock,
      pollMs: 20,
      heartbeatMs: 5,
      debounceMs: { high: 0, medium: UNIT, low: 5 * UNIT },
      onError: (err) => {
        errors.push(err);
        if (process.env.DEBUG_QUEUE) console.error(err);
      },
    });
    queues.push(q);
    return q;
  };
  const queue = await open();
  return {
    queue,
    unit: UNIT,
    tolerance: 0,
    leaseMs: 30_000,
    async advance(ms) {
      clock.advance(ms);
      for (const q of queues) q.poke();
      // Lets heartbeats (every 5 ms of real time) and woken loops run before the next move.
      await sleep(25);
    },
    abandon: async (w) => (w as SqlWorker).abandon(),
    peer: open,
    async close() {
      for (const q of queues) await q.close();
      for (const db of dbs) await db.destroy();
      await cleanup();
    },
  };
}
