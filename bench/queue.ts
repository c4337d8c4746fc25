/**
 * Queue throughput: enqueue and process N no-op jobs on each backend (embedded SQLite queue, BullMQ on
 * Redis), with bare BullMQ (Queue.add + Worker, no calsync semantics) as the peer for the BullMQ
 * backend. Median of REPS runs. Writes bench/results/queue.json.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { BullJobQueue } from '../src/queue/bullmq/bullmq-queue.js';
import { SqlJobQueue } from '../src/queue/sql/sql-queue.js';
import { connect } from '../src/store/connect.js';
import type { JobQueue } from '../src/queue/types.js';
import { deleteKeysByPrefix, REDIS_URL, uniquePrefix } from '../test/support/redis.js';
import { benchResult, writeBenchResult } from './result.js';
import type { BenchResult } from './result.js';

const JOBS = Number(process.env.QUEUE_BENCH_JOBS ?? 10_000);
const REPS = Number(process.env.QUEUE_BENCH_REPS ?? 3);
const CONCURRENCY = 8;
/** Enqueues in flight at once (a webhook burst), so round trips overlap as they would in the server. */
const ENQUEUE_WINDOW = 100;

async function inWindows(n: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < n; i += ENQUEUE_WINDOW) {
    const batch: Promise<unknown>[] = [];
    for (let j = i; j < Math.min(n, i + ENQUEUE_WINDOW); j++) batch.push(fn(j));
    await Promise.all(batch);
  }
}

interface Rates {
  /** Enqueue N jobs, then start a worker and drain: jobs per second end to end. */
  total: number;
  enqueue: number;
  process: number;
}

async function throughput(queue: JobQueue): Promise<Rates> {
  const start = performance.now();
  await inWindows(JOBS, (i) => queue.enqueue({ type: 'noop', tenantId: 'bench', payload: { i }, priority: 'high', delayMs: 0 }));
  const enqueued = performance.now();
  const worker = queue.work({ noop: async () => undefined }, { concurrency: CONCURRENCY });
  await queue.drain(300_000);
  const end = performance.now();
  await worker.stop();
  const rate = (ms: number): number => JOBS / (ms / 1000);
  return { total: rate(end - start), enqueue: rate(enqueued - start), process: rate(end - enqueued) };
}

async function sqliteRun(): Promise<Rates> {
  const dir = mkdtempSync(join(tmpdir(), 'calsync-bench-queue-'));
  const { db } = connect<unknown>(`sqlite:${join(dir, 'queue.db')}`, dir);
  try {
    const queue = await SqlJobQueue.open({ db, dialect: 'sqlite', pollMs: 50 });
    const rate = await throughput(queue);
    await queue.close();
    return rate;
  } finally {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function bullmqRun(): Promise<Rates> {
  const prefix = uniquePrefix('bench');
  const queue = new BullJobQueue({ redisUrl: REDIS_URL, prefix });
  try {
    const rate = await throughput(queue);
    await queue.close();
    return rate;
  } finally {
    await deleteKeysByPrefix(prefix);
  }
}

/** The peer: BullMQ without calsync's envelope, mutex check, coalescing or history. */
async function bareBullmqRun(): Promise<number> {
  const prefix = uniquePrefix('bench-bare');
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue('bare', { connection, prefix });
  try {
    const start = performance.now();
    let done = 0;
    let finished!: () => void;
    const all = new Promise<void>((resolve) => (finished = resolve));
    await inWindows(JOBS, (i) => queue.add('noop', { i }, { priority: 1, removeOnComplete: true }));
    const workerConnection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const worker = new Worker('bare', async () => undefined, { connection: workerConnection, prefix, concurrency: CONCURRENCY });
    worker.on('completed', () => {
      if (++done === JOBS) finished();
    });
    await all;
    const rate = JOBS / ((performance.now() - start) / 1000);
    await worker.close();
    await workerConnection.quit();
    await queue.close();
    return rate;
  } finally {
    await connection.quit();
    await deleteKeysByPrefix(prefix);
  }
}

const round = (x: number): number => Math.round(x);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

export async function run(): Promise<BenchResult> {
  const sqlite: Rates[] = [];
  const bull: Rates[] = [];
  const bare: number[] = [];
  // Alternate backends so machine noise hits all of them alike.
  for (let r = 0; r < REPS; r++) {
    sqlite.push(await sqliteRun());
    bull.push(await bullmqRun());
    bare.push(await bareBullmqRun());
    process.stderr.write(`queue bench ${r + 1}/${REPS}: sqlite ${round(sqlite[r]?.total ?? 0)}, bullmq ${round(bull[r]?.total ?? 0)}, bare bullmq ${round(bare[r] ?? 0)} jobs/s\n`);
  }
  const med = (rs: Rates[], k: keyof Rates): number => round(median(rs.map((r) => r[k])));
  const bullRate = median(bull.map((r) => r.total));
  const bareRate = median(bare);
  return writeBenchResult(
    benchResult(
      'queue',
      {
        jobs: JOBS,
        repetitions: REPS,
        workerConcurrency: CONCURRENCY,
        enqueueWindow: ENQUEUE_WINDOW,
        samples: { sqlite: sqlite.map((r) => round(r.total)), bullmq: bull.map((r) => round(r.total)), bareBullmq: bare.map(round) },
      },
      [
        { metric: 'sqlite_jobs_per_s', unit: 'jobs/s', value: med(sqlite, 'total') },
        { metric: 'sqlite_enqueue_per_s', unit: 'jobs/s', value: med(sqlite, 'enqueue') },
        { metric: 'sqlite_process_per_s', unit: 'jobs/s', value: med(sqlite, 'process') },
        { metric: 'bullmq_jobs_per_s', unit: 'jobs/s', value: round(bullRate), peer: 'bare BullMQ', peerValue: round(bareRate), ratio: Math.round((bullRate / bareRate) * 100) / 100 },
        { metric: 'bullmq_enqueue_per_s', unit: 'jobs/s', value: med(bull, 'enqueue') },
        { metric: 'bullmq_process_per_s', unit: 'jobs/s', value: med(bull, 'process') },
      ],
    ),
  );
}

if (process.argv[1] !== undefined && import.meta.filename === process.argv[1]) {
  await run();
}
