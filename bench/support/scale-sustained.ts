/**
 * Part 2 of the scale benchmark: sustained polling by the real workers in 1 or 2 processes. See
 * bench/scale.ts. With 2 processes each builds its own (identical) memory calendar server, so changes
 * are injected only in the 1-process run (a child's server would not see them).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openStore } from '../../src/store/open.js';
import { createTestDatabase } from '../../test/support/pg.js';
import { makeEvent } from '../../test/support/events.js';
import { deleteKeysByPrefix, REDIS_URL, uniquePrefix } from '../../test/support/redis.js';
import { accountOf, openWorld, remoteIdOf, type WorldOptions } from './scale-world.js';

export interface SustainedOptions {
  calendars: number;
  intervalS: number;
  seconds: number;
  latencyMs: number;
  processes: 1 | 2;
}

export interface SustainedResult {
  processes: number;
  pollsPerSecond: number;
  backlogGrowth: number;
  /** The most jobs waiting or delayed at one time during the window (sampled every second). */
  backlogMax: number;
  cpuMsPerPoll: number;
  queriesPerPoll: number;
  writesPerPoll: number;
  rssMbMax: number;
  changeToHubP50Ms: number;
  changeToHubP99Ms: number;
  changes: number;
}

interface ChildSample {
  completed: number;
  queries: number;
  writes: number;
  cpuMs: number;
  rssMb: number;
}

function ask(child: ChildProcess): Promise<ChildSample> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as ChildSample));
    child.send({ op: 'sample' });
  });
}

const percentile = (xs: number[], p: number): number => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

export async function runSustained(o: SustainedOptions): Promise<SustainedResult> {
  const database = await createTestDatabase('calsync_bench_sustain');
  const dataDir = mkdtempSync(join(tmpdir(), 'calsync-sustain-'));
  const secretKey = randomBytes(32).toString('hex');
  const redisPrefix = uniquePrefix('bench-sustain');
  const plain = await openStore({ databaseUrl: database.url, dataDir, secretKey });
  const tenants: string[] = [];
  for (let i = 0; i < o.calendars; i += 1) {
    const tenant = await plain.tenants.create(`t${i}`);
    const integration = await plain.integrations.create(tenant.id, { provider: 'memory', name: 'dav', config: { account: accountOf(i), pollIntervalS: o.intervalS }, credentials: {} });
    await plain.calendars.upsert(tenant.id, integration.id, { remoteId: remoteIdOf(i), name: `Calendar ${i}` });
    tenants.push(tenant.id);
  }
  const worldOptions: WorldOptions = { databaseUrl: database.url, dataDir, secretKey, redisPrefix, redisUrl: REDIS_URL, calendars: o.calendars, latencyMs: o.latencyMs, concurrency: 32 };
  const world = await openWorld(worldOptions);
  let child: ChildProcess | undefined;
  let rssMax = 0;
  const sampler = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage().rss)), 250);
  try {
    if (o.processes === 2) {
      child = fork(join(import.meta.dirname, 'scale-child.ts'), [], { execArgv: ['--import', 'tsx'], env: { ...process.env, SCALE_WORLD: JSON.stringify(worldOptions) } });
      await new Promise((resolve) => child!.once('message', resolve));
    }
    // Warm-up: every calendar's first sync (they are all due at once), then one interval of steady polling.
    const warmDeadline = Date.now() + 600_000;
    const completedNow = async (): Promise<number> => world.completed + (child ? (await ask(child)).completed : 0);
    while ((await completedNow()) < o.calendars && Date.now() < warmDeadline) await sleep(500);
    await sleep(o.intervalS * 1000);

    const backlog = async (): Promise<number> => {
      const c = await world.queue.counts();
      return c.waiting + c.delayed;
    };
    const cpu0 = process.cpuUsage();
    const c0 = child ? await ask(child) : undefined;
    const done0 = world.completed;
    const q0 = world.counter.count;
    const w0 = world.counter.writes;
    const backlog0 = await backlog();
    const t0 = Date.now();
    const changes: { tenantId: string; uid: string; at: number }[] = [];
    let n = 0;
    let backlogMax = backlog0;
    let lastBacklogAt = t0;
    while (Date.now() - t0 < o.seconds * 1000) {
      if (Date.now() - lastBacklogAt >= 1_000) {
        backlogMax = Math.max(backlogMax, await backlog());
        lastBacklogAt = Date.now();
      }
      if (o.processes === 1) {
        const i = (n * 7919) % o.calendars;
        const event = makeEvent();
        world.server.otherClient(remoteIdOf(i)).create(event);
        changes.push({ tenantId: tenants[i]!, uid: event.uid, at: Date.now() });
        n += 1;
      }
      await sleep(250);
    }
    const seconds = (Date.now() - t0) / 1000;
    const cpu1 = process.cpuUsage(cpu0);
    const c1 = child ? await ask(child) : undefined;
    const polls = world.completed - done0 + (c0 && c1 ? c1.completed - c0.completed : 0);
    const queries = world.counter.count - q0 + (c0 && c1 ? c1.queries - c0.queries : 0);
    const writes = world.counter.writes - w0 + (c0 && c1 ? c1.writes - c0.writes : 0);
    const cpuMs = (cpu1.user + cpu1.system) / 1000 + (c0 && c1 ? c1.cpuMs - c0.cpuMs : 0);
    const backlogGrowth = (await backlog()) - backlog0;

    // Each change reaches the hub with the next poll of its calendar.
    const latencies: number[] = [];
    const until = Date.now() + (o.intervalS * 1.2 + 30) * 1000;
    const pending = [...changes];
    while (pending.length > 0 && Date.now() < until) {
      for (let k = pending.length - 1; k >= 0; k -= 1) {
        const c = pending[k]!;
        const found = await plain.events.getByUid(c.tenantId, c.uid);
        if (found) {
          latencies.push(Date.parse(found.createdAt) - c.at);
          pending.splice(k, 1);
        }
      }
      await sleep(200);
    }
    if (pending.length > 0) throw new Error(`${pending.length} changes never reached the hub`);
    return {
      processes: o.processes,
      pollsPerSecond: polls / seconds,
      backlogGrowth,
      backlogMax,
      cpuMsPerPoll: cpuMs / polls,
      queriesPerPoll: queries / polls,
      writesPerPoll: writes / polls,
      rssMbMax: Math.max(rssMax / 2 ** 20, c1?.rssMb ?? 0),
      changeToHubP50Ms: percentile(latencies, 50),
      changeToHubP99Ms: percentile(latencies, 99),
      changes: latencies.length,
    };
  } finally {
    clearInterval(sampler);
    if (child) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.send({ op: 'stop' });
      await exited;
    }
    await world.close();
    await plain.close();
    await deleteKeysByPrefix(redisPrefix);
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
