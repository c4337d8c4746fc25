/**
 * Sync engine: plan + execute against the memory provider on a SQLite file store.
 * - initial import of N events into an empty hub (events/s);
 * - then 100 changes (50 edited in the calendar, 50 in WedSync) synced incrementally, at N = 1,000 and
 *   N = 10,000: the time should depend on the changes, not on N;
 * - peak RSS of a process syncing N events (each size runs in its own child process).
 * Deterministic data (fixed seed, fixed dates). Medians: RUNS fresh initial imports, REPS incremental
 * rounds each. Writes bench/results/engine.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CalendarEvent } from '../src/model/event.js';
import { MemoryCalendarServer, MemoryProvider } from '../src/providers/memory/index.js';
import { openStore } from '../src/store/open.js';
import { syncCalendar, type SyncDeps, type SyncReport } from '../src/sync/engine.js';
import { systemClock } from '../src/util/clock.js';
import { benchResult, writeBenchResult, type BenchResult } from './result.js';

const INITIAL = Number(process.env['ENGINE_BENCH_EVENTS'] ?? 10_000);
const CHANGES = 100;
const REPS = Number(process.env['ENGINE_BENCH_REPS'] ?? 5);
const RUNS = Number(process.env['ENGINE_BENCH_RUNS'] ?? 3);

function event(i: number): CalendarEvent {
  const day = String(1 + (i % 28)).padStart(2, '0');
  const hour = String(8 + (i % 10)).padStart(2, '0');
  return {
    uid: `bench-${i}@calsync.bench`,
    title: i % 50 === 0 ? `Wedding ceremony ${i}` : `Client meeting ${i}`,
    description: `Benchmark event ${i}`,
    location: `Venue ${i % 97}`,
    start: { kind: 'zoned', local: `2026-07-${day}T${hour}:00:00`, tzid: 'Europe/London', iana: 'Europe/London' },
    end: { kind: 'zoned', local: `2026-07-${day}T${hour}:45:00`, tzid: 'Europe/London', iana: 'Europe/London' },
    attendees: [{ email: `client${i % 300}@example.test`, role: 'required', status: 'accepted' }],
    categories: ['Bench'],
    sequence: 0,
    overrides: [],
    wedding: { kind: 'other', kindSource: 'inferred' },
  };
}

/** Milliseconds spent inside the store's and the provider's methods (the engine awaits them one at a time). */
const spent = { store: 0, provider: 0 };
/** Calls under way per bucket: a call made inside another (a repo call inside `store.transaction`) is not counted twice. */
const open = { store: 0, provider: 0 };

/** `target` with every method timed into `spent[bucket]`, nested repos included. */
function timed<T extends object>(target: T, bucket: keyof typeof spent, depth = 1): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value: unknown = Reflect.get(obj, prop, receiver);
      if (typeof value === 'function') {
        return async (...args: unknown[]) => {
          const t = performance.now();
          open[bucket] += 1;
          try {
            return await (value as (...a: unknown[]) => Promise<unknown>).apply(obj, args);
          } finally {
            open[bucket] -= 1;
            if (open[bucket] === 0) spent[bucket] += performance.now() - t;
          }
        };
      }
      return depth > 0 && typeof value === 'object' && value !== null ? timed(value, bucket, depth - 1) : value;
    },
  });
}

interface Fixture {
  deps: SyncDeps;
  target: { tenantId: string; calendarId: string };
  server: MemoryCalendarServer;
  remoteId: string;
  size: number;
  close(): Promise<void>;
}

async function fixture(size: number): Promise<Fixture> {
  const dataDir = mkdtempSync(join(tmpdir(), 'calsync-bench-engine-'));
  const store = await openStore({ dataDir, clock: systemClock });
  const server = new MemoryCalendarServer({ clock: systemClock, seed: 42 });
  const provider = new MemoryProvider(server);
  const tenant = await store.tenants.ensureDefault();
  const integration = await store.integrations.create(tenant.id, { provider: 'memory', name: 'bench', config: {}, credentials: {} });
  const remote = server.addCalendar({ name: 'Bench' });
  const calendar = await store.calendars.upsert(tenant.id, integration.id, { remoteId: remote.remoteId, name: remote.name, enabled: true });
  const phone = server.otherClient(remote.remoteId);
  for (let i = 0; i < size; i += 1) phone.create(event(i));
  return {
    deps: { store: timed(store, 'store'), provider: timed(provider, 'provider', 0), clock: systemClock, guards: { allowMassDelete: false } },
    target: { tenantId: tenant.id, calendarId: calendar.id },
    server,
    remoteId: remote.remoteId,
    size,
    close: async () => {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** 50 edits in the calendar (the phone) and 50 in WedSync (the hub), on events picked by index. */
async function makeChanges(f: Fixture, round: number): Promise<void> {
  const phone = f.server.otherClient(f.remoteId);
  const { store } = f.deps;
  for (let k = 0; k < CHANGES / 2; k += 1) {
    const i = (round * 97 + k * 13) % f.size;
    phone.update(`other-${encodeURIComponent(event(i).uid)}.ics`, (e) => ({ ...e, location: `Moved ${round}-${k}` }));
    const h = await store.events.getByUid(f.target.tenantId, event((round * 31 + k * 7 + 500) % f.size).uid);
    if (h) await store.events.put(f.target.tenantId, { id: h.id, event: { ...h.event, description: `Edited ${round}-${k}` }, expectedVersion: h.version, source: 'wedsync' });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function check(report: SyncReport, what: string): void {
  if (report.errors.length > 0) throw new Error(`${what}: ${report.errors.length} errors, first ${report.errors[0]?.message ?? ''}`);
}

/** Initial import of `size` events, then REPS rounds of 100 changes: [initial s, incremental ms, plan-only ms]. */
async function measure(size: number): Promise<Omit<Measurement, 'peakRssMb'>> {
  const f = await fixture(size);
  const fixtureRssMb = process.memoryUsage().rss / 1_048_576;
  try {
    spent.store = 0;
    spent.provider = 0;
    let t = performance.now();
    const initial = await syncCalendar(f.deps, f.target);
    const initialS = (performance.now() - t) / 1000;
    const split = { initialStoreMs: spent.store, initialProviderMs: spent.provider, initialEngineMs: initialS * 1000 - spent.store - spent.provider };
    check(initial, 'initial');
    if (initial.hub.created !== size) throw new Error(`initial import created ${initial.hub.created} of ${size}`);
    const incremental: number[] = [];
    const planOnly: number[] = [];
    for (let round = 0; round < REPS; round += 1) {
      await makeChanges(f, round);
      t = performance.now();
      const dry = await syncCalendar(f.deps, f.target, { dryRun: true });
      planOnly.push(performance.now() - t);
      t = performance.now();
      const report = await syncCalendar(f.deps, f.target);
      incremental.push(performance.now() - t);
      check(report, 'incremental');
      if (dry.plan.length !== report.plan.length || report.hub.updated + report.remote.updated !== CHANGES) {
        throw new Error(`round ${round}: expected ${CHANGES} updates, got ${JSON.stringify({ hub: report.hub, remote: report.remote })}`);
      }
    }
    return { initialS, incrementalMs: median(incremental), planMs: median(planOnly), initial: initial.phases, fixtureRssMb, ...split };
  } finally {
    await f.close();
  }
}

interface Measurement {
  initialS: number;
  incrementalMs: number;
  planMs: number;
  initial: SyncReport['phases'];
  /** Of the initial import: ms in store calls, in provider calls, and in the engine itself (the rest). */
  initialStoreMs: number;
  initialProviderMs: number;
  initialEngineMs: number;
  /** RSS with the fixture built (N items on the memory server), before the first sync. */
  fixtureRssMb: number;
  peakRssMb: number;
}

/**
 * Each size runs in its own process, so the peak RSS is that of one sync process holding N events (the
 * memory "server" with its N stored items included), not of the whole benchmark run.
 */
function inChild(size: number, runs: number): Measurement {
  const args = ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', String(size), String(runs)];
  const out = execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  const last = out.trim().split('\n').at(-1) ?? '';
  return JSON.parse(last) as Measurement;
}

export async function run(): Promise<BenchResult> {
  const small = inChild(1_000, RUNS);
  const large = inChild(INITIAL, RUNS);
  // Memory on its own process with a single run: later runs would only add the earlier runs' garbage.
  const memory = inChild(INITIAL, 1);
  return writeBenchResult(
    benchResult('engine', { events: INITIAL, changes: CHANGES, runs: RUNS, reps: REPS, store: 'sqlite (file)', provider: 'memory' }, [
      { metric: 'initial_events_per_s', unit: 'events/s', value: INITIAL / large.initialS, target: '>= 20000' },
      { metric: 'initial_observe_ms', unit: 'ms', value: large.initial.observeMs },
      { metric: 'initial_plan_ms', unit: 'ms', value: large.initial.planMs },
      { metric: 'initial_execute_ms', unit: 'ms', value: large.initial.executeMs },
      { metric: 'initial_store_ms', unit: 'ms', value: large.initialStoreMs },
      { metric: 'initial_provider_ms', unit: 'ms', value: large.initialProviderMs },
      { metric: 'initial_engine_ms', unit: 'ms', value: large.initialEngineMs },
      { metric: 'incremental_100_in_1k_ms', unit: 'ms', value: small.incrementalMs, target: '≈ incremental_100_in_10k_ms' },
      { metric: 'incremental_100_in_10k_ms', unit: 'ms', value: large.incrementalMs, target: '≈ incremental_100_in_1k_ms' },
      { metric: 'plan_100_in_1k_ms', unit: 'ms', value: small.planMs },
      { metric: 'plan_100_in_10k_ms', unit: 'ms', value: large.planMs },
      { metric: 'peak_rss_mb', unit: 'MB', value: memory.peakRssMb, target: '< 200' },
      { metric: 'fixture_rss_mb', unit: 'MB', value: memory.fixtureRssMb },
    ]),
  );
}

if (process.argv[2] === '--child') {
  const size = Number(process.argv[3]);
  const childRuns = Number(process.argv[4] ?? RUNS);
  await measure(200); // warm-up: JIT and module loading out of the measured runs
  const runs: Omit<Measurement, 'peakRssMb'>[] = [];
  for (let r = 0; r < childRuns; r += 1) runs.push(await measure(size));
  const mid = (f: (m: Omit<Measurement, 'peakRssMb'>) => number): number => median(runs.map(f));
  const m: Measurement = {
    initialS: mid((x) => x.initialS),
    incrementalMs: mid((x) => x.incrementalMs),
    planMs: mid((x) => x.planMs),
    initial: { observeMs: mid((x) => x.initial.observeMs), planMs: mid((x) => x.initial.planMs), executeMs: mid((x) => x.initial.executeMs) },
    initialStoreMs: mid((x) => x.initialStoreMs),
    initialProviderMs: mid((x) => x.initialProviderMs),
    initialEngineMs: mid((x) => x.initialEngineMs),
    fixtureRssMb: Math.min(...runs.map((x) => x.fixtureRssMb)),
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(`${JSON.stringify(m)}\n`);
}
