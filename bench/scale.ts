/**
 * Scale-out: PostgreSQL + Redis, many calendars, the poller's cost per tick and per poll. Writes
 * bench/results/scale.json. Two parts, one run:
 *
 * 1. Tick cost against the number of calendars that are NOT due: 10,000 and 50,000 calendars, the
 *    same number due per tick. Store queries and milliseconds of one poll pass (median of REPS), for
 *    the store schedule (indexed column, FOR UPDATE SKIP LOCKED) and the Redis sorted set. The queue is a
 *    counting no-op here: this part measures the schedule, not the syncs.
 * 2. Sustained polling: SUSTAIN_CALENDARS calendars (one per tenant) on a CalDAV-shaped in-process
 *    provider — the memory calendar server behind a fixed latency per request — polled every
 *    SUSTAIN_INTERVAL_S by the real workers (BullMQ on Redis, the Redis poll schedule, the outbox
 *    drainer), in 1 process, then in 2 (a child process running the same workers against the same
 *    database and Redis). Reported: polls per second and backlog growth, CPU ms and store queries per
 *    no-change poll, RSS per process, the time from a change on a calendar to the hub (p50/p99; polling
 *    only, so it is bounded by the interval), and store and Redis size per 10,000 calendars.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import type { JobQueue, JobSpec, QueueCounts } from '../src/queue/types.js';
import { RedisPollSchedule } from '../src/service/poll-schedule-redis.js';
import { storePollSchedule, type PollSchedule } from '../src/service/poll-schedule.js';
import { pollDueCalendars, type PollPassStats } from '../src/service/poller.js';
import { connect } from '../src/store/connect.js';
import { openStore } from '../src/store/open.js';
import type { StoreDatabase } from '../src/store/schema.js';
import { SqlStore } from '../src/store/sql-store.js';
import { systemClock } from '../src/util/clock.js';
import { newId } from '../src/util/ids.js';
import { createTestDatabase } from '../test/support/pg.js';
import { deleteKeysByPrefix, REDIS_URL, uniquePrefix } from '../test/support/redis.js';
import { benchResult, writeBenchResult, type BenchMetric } from './result.js';
import { runSustained, type SustainedResult } from './support/scale-sustained.js';
import { QueryCounter } from './support/scale-world.js';

const SIZES = (process.env.SCALE_SIZES ?? '10000,50000').split(',').map(Number);
const DUE_PER_TICK = Number(process.env.SCALE_DUE ?? 200);
const REPS = Number(process.env.SCALE_REPS ?? 5);
const SUSTAIN_CALENDARS = Number(process.env.SCALE_SUSTAIN_CALENDARS ?? 1_500);
const SUSTAIN_INTERVAL_S = Number(process.env.SCALE_SUSTAIN_INTERVAL_S ?? 20);
const SUSTAIN_SECONDS = Number(process.env.SCALE_SUSTAIN_SECONDS ?? 45);
const LATENCY_MS = Number(process.env.SCALE_LATENCY_MS ?? 40);
const TENANTS = 100;

/** Accepts every enqueue and does nothing (part 1 measures the schedule). */
class CountingQueue implements JobQueue {
  readonly backend = 'sql' as const;
  enqueued = 0;
  async enqueue<P>(spec: JobSpec<P>): Promise<{ id: string; coalesced: boolean }> {
    this.enqueued += 1;
    return { id: `${spec.type}-${this.enqueued}`, coalesced: false };
  }
  work(): never {
    throw new Error('not a worker');
  }
  async get(): Promise<undefined> {
    return undefined;
  }
  async counts(): Promise<QueueCounts> {
    return { waiting: 0, delayed: 0, active: 0, dead: 0 };
  }
  async deadLetters(): Promise<never[]> {
    return [];
  }
  async replay(): Promise<boolean> {
    return false;
  }
  async discard(): Promise<boolean> {
    return false;
  }
  async drain(): Promise<void> {}
  async close(): Promise<void> {}
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** `n` calendars over TENANTS tenants, none due (next poll in an hour); their ids. */
async function seed(store: SqlStore, n: number): Promise<string[]> {
  const now = new Date().toISOString();
  const later = Date.now() + 3_600_000;
  const owners: { tenantId: string; integrationId: string }[] = [];
  for (let t = 0; t < TENANTS; t += 1) {
    const tenant = await store.tenants.create(`scale-${t}`);
    const integration = await store.integrations.create(tenant.id, { provider: 'caldav', name: 'iCloud', config: { url: 'https://caldav.icloud.com/', username: `u${t}` }, credentials: { password: 'x' } });
    owners.push({ tenantId: tenant.id, integrationId: integration.id });
  }
  const ids: string[] = [];
  for (let i = 0; i < n; i += 1_000) {
    const rows = [];
    for (let j = i; j < Math.min(n, i + 1_000); j += 1) {
      const owner = owners[j % TENANTS]!;
      const id = newId(systemClock);
      ids.push(id);
      rows.push({ id, tenant_id: owner.tenantId, integration_id: owner.integrationId, remote_id: `/c/${j}/`, name: `c${j}`, color: null, enabled: 1, direction: 'two_way', conflict_rules: null, poll_interval_s: null, created_at: now, updated_at: now, next_poll_at: later });
    }
    await store.db.insertInto('calendars').values(rows).execute();
  }
  await sql`analyze calendars`.execute(store.db);
  return ids;
}

function sample(ids: readonly string[], k: number, seed: number): string[] {
  let x = seed;
  const out = new Set<string>();
  while (out.size < k) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out.add(ids[x % ids.length]!);
  }
  return [...out];
}

interface TickFigures {
  calendars: number;
  queriesPerTick: number;
  msPerTick: number;
  queriesIdleTick: number;
  msIdleTick: number;
}

/** Part 1 for one size: the store schedule and the Redis one. */
async function tickCost(n: number): Promise<{ store: TickFigures; redis: TickFigures; storeBytesPer10k: number; redisBytesPer10k: number }> {
  const database = await createTestDatabase('calsync_bench_scale');
  const dataDir = mkdtempSync(join(tmpdir(), 'calsync-scale-'));
  const secretKey = randomBytes(32).toString('hex');
  const prefix = uniquePrefix('bench-scale');
  const plain = await openStore({ databaseUrl: database.url, dataDir, secretKey });
  const counter = new QueryCounter();
  const { db } = connect<StoreDatabase>(database.url, dataDir);
  const counted = new SqlStore({ db: db.withPlugin(counter), dialect: 'postgres', clock: systemClock, secretKey: Buffer.from(secretKey, 'hex'), location: 'bench' });
  const redis = new Redis(REDIS_URL);
  try {
    const ids = await seed(plain, n);
    const queue = new CountingQueue();
    const measure = async (makeDue: (due: string[]) => Promise<void>, schedule: PollSchedule): Promise<{ q: number[]; ms: number[]; qi: number[]; msi: number[] }> => {
      const r = { q: [] as number[], ms: [] as number[], qi: [] as number[], msi: [] as number[] };
      for (let rep = 0; rep < REPS; rep += 1) {
        await makeDue(sample(ids, DUE_PER_TICK, rep + 1));
        const stats: PollPassStats = {};
        counter.count = 0;
        let t0 = performance.now();
        const enqueued = await pollDueCalendars({ store: counted, queue, clock: systemClock, schedule }, stats);
        r.ms.push(performance.now() - t0);
        r.q.push(counter.count);
        if (enqueued.length !== DUE_PER_TICK) throw new Error(`expected ${DUE_PER_TICK} polls, got ${enqueued.length}`);
        counter.count = 0;
        t0 = performance.now();
        await pollDueCalendars({ store: counted, queue, clock: systemClock, schedule }, stats);
        r.msi.push(performance.now() - t0);
        r.qi.push(counter.count);
      }
      return r;
    };
    // The store schedule: due = next_poll_at 0.
    const s = await measure(async (due) => {
      await plain.db.updateTable('calendars').set({ next_poll_at: 0 }).where('id', 'in', due).execute();
    }, storePollSchedule(counted));
    const sizeRow = await sql<{ bytes: string }>`select pg_total_relation_size('calendars') as bytes`.execute(plain.db);
    // The Redis schedule: one pass hands every calendar over, then due = score 0.
    const schedule = new RedisPollSchedule(counted, { redisUrl: REDIS_URL, prefix });
    await plain.db.updateTable('calendars').set({ next_poll_at: 0 }).execute();
    await pollDueCalendars({ store: counted, queue, clock: systemClock, schedule });
    await plain.db.updateTable('calendars').set({ next_poll_at: Number.MAX_SAFE_INTEGER }).execute();
    const key = `${prefix}:poll:due`;
    await redis.zadd(key, ...ids.flatMap((id) => [Date.now() + 3_600_000, id]));
    const r = await measure(async (due) => {
      await redis.zadd(key, ...due.flatMap((id) => [0, id]));
    }, schedule);
    const redisBytes = Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
    await schedule.close();
    const figures = (m: typeof s): TickFigures => ({ calendars: n, queriesPerTick: median(m.q), msPerTick: median(m.ms), queriesIdleTick: median(m.qi), msIdleTick: median(m.msi) });
    return { store: figures(s), redis: figures(r), storeBytesPer10k: (Number(sizeRow.rows[0]!.bytes) / n) * 10_000, redisBytesPer10k: (redisBytes / n) * 10_000 };
  } finally {
    redis.disconnect();
    await counted.close();
    await plain.close();
    await deleteKeysByPrefix(prefix);
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  const results: BenchMetric[] = [];
  const ticks = [];
  for (const n of SIZES) {
    const t = await tickCost(n);
    ticks.push(t);
    process.stdout.write(`tick cost at ${n}: ${JSON.stringify(t)}\n`);
  }
  const first = ticks[0]!;
  const last = ticks[ticks.length - 1]!;
  for (const kind of ['store', 'redis'] as const) {
    for (const t of ticks) {
      results.push({ metric: `${kind} schedule: store queries per tick, ${DUE_PER_TICK} due of ${t[kind].calendars}`, unit: 'queries', value: t[kind].queriesPerTick });
      results.push({ metric: `${kind} schedule: ms per tick, ${DUE_PER_TICK} due of ${t[kind].calendars}`, unit: 'ms', value: t[kind].msPerTick });
      results.push({ metric: `${kind} schedule: store queries per idle tick (none due) of ${t[kind].calendars}`, unit: 'queries', value: t[kind].queriesIdleTick });
    }
    results.push({
      metric: `${kind} schedule: queries per tick, ${last[kind].calendars} vs ${first[kind].calendars} calendars`,
      unit: 'queries',
      value: last[kind].queriesPerTick,
      peer: `${first[kind].calendars} calendars`,
      peerValue: first[kind].queriesPerTick,
      ratio: last[kind].queriesPerTick / first[kind].queriesPerTick,
      target: '1.0 (does not grow with calendars that are not due)',
    });
    results.push({ metric: `${kind} schedule: ms per tick, ${last[kind].calendars} vs ${first[kind].calendars} calendars`, unit: 'ms', value: last[kind].msPerTick, peer: `${first[kind].calendars} calendars`, peerValue: first[kind].msPerTick, ratio: last[kind].msPerTick / first[kind].msPerTick });
  }
  results.push({ metric: 'store size per 10,000 calendars (calendars table + indexes)', unit: 'bytes', value: last.storeBytesPer10k });
  results.push({ metric: 'Redis schedule size per 10,000 calendars', unit: 'bytes', value: last.redisBytesPer10k });

  const sustained: SustainedResult[] = [];
  for (const processes of [1, 2] as const) {
    const r = await runSustained({ calendars: SUSTAIN_CALENDARS, intervalS: SUSTAIN_INTERVAL_S, seconds: SUSTAIN_SECONDS, latencyMs: LATENCY_MS, processes });
    sustained.push(r);
    process.stdout.write(`sustained, ${processes} process(es): ${JSON.stringify(r)}\n`);
    const p = `${processes} worker process${processes > 1 ? 'es' : ''}`;
    // A calendar is polled every interval plus its jitter (0–20 %, 10 % on average).
    const demanded = SUSTAIN_CALENDARS / (SUSTAIN_INTERVAL_S * 1.1);
    results.push({
      metric: `${p}: polls per second sustained (${SUSTAIN_CALENDARS} calendars every ${SUSTAIN_INTERVAL_S} s + jitter)`,
      unit: 'polls/s',
      value: r.pollsPerSecond,
      peer: 'demanded',
      peerValue: demanded,
      ratio: r.pollsPerSecond / demanded,
      target: '≥ 1.0 with no backlog growth',
    });
    results.push({ metric: `${p}: queue backlog growth over the window (waiting + delayed, end − start)`, unit: 'jobs', value: r.backlogGrowth, target: '≤ 0 (noise: a snapshot)' });
    results.push({ metric: `${p}: queue backlog, most at one time in the window`, unit: 'jobs', value: r.backlogMax });
    results.push({ metric: `${p}: CPU per no-change poll (all processes)`, unit: 'ms', value: r.cpuMsPerPoll });
    results.push({ metric: `${p}: store queries per no-change poll (all processes)`, unit: 'queries', value: r.queriesPerPoll });
    results.push({ metric: `${p}: store writes per no-change poll (all processes)`, unit: 'writes', value: r.writesPerPoll });
    results.push({ metric: `${p}: RSS per process (max)`, unit: 'MB', value: r.rssMbMax });
    if (r.changes > 0) {
      results.push({ metric: `${p}: change on a calendar → hub, p50 (polling only; ${r.changes} changes)`, unit: 'ms', value: r.changeToHubP50Ms });
      results.push({ metric: `${p}: change on a calendar → hub, p99 (polling only)`, unit: 'ms', value: r.changeToHubP99Ms, target: `≤ interval + 20 % jitter + a tick = ${SUSTAIN_INTERVAL_S * 1200 + 5000} ms` });
    }
  }
  writeBenchResult(
    benchResult('scale', { sizes: SIZES, duePerTick: DUE_PER_TICK, reps: REPS, tenants: TENANTS, sustain: { calendars: SUSTAIN_CALENDARS, intervalS: SUSTAIN_INTERVAL_S, seconds: SUSTAIN_SECONDS, latencyMs: LATENCY_MS } }, results),
  );
}

