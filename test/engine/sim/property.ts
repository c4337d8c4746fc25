/**
 * The simulation property: a schedule (steps of user actions and syncs, injections at scheduling
 * points, interleaving picks) is played against a fresh tenant, the world is brought to quiescence and
 * the invariants are checked. fast-check generates and shrinks the schedules; a failure's report has
 * the seed, the shrunk schedule, and the trace of what the simulator did at which point.
 */
import fc from 'fast-check';
import { sharedStore, type SharedStore } from '../harness.js';
import { kindOf, violations } from './invariants.js';
import { describeAction, scheduleArbitrary, type Mask, type Schedule, type ScheduleOptions } from './schedule.js';
import { SimWorld } from './world.js';

export interface SimOutcome {
  violations: string[];
  trace: string[];
  hits: Set<string>;
  /** Scheduling points the run released. */
  points: number;
}

export const DEFAULT_OPTIONS: ScheduleOptions = { sameCalendar: true, maxSteps: 6, horizon: 64 };

/** Plays one schedule to the end and checks the invariants. */
export async function play(shared: SharedStore, schedule: Schedule, masks: ReadonlySet<Mask> = new Set()): Promise<SimOutcome> {
  const world = await SimWorld.create(shared, schedule, masks);
  for (const step of schedule.steps) await world.runStep(step);
  const quiet = await world.quiesce();
  return { violations: await violations(world, quiet), trace: world.scheduler.trace, hits: world.scheduler.hits, points: world.scheduler.pointsReleased };
}

export function describeSchedule(schedule: Schedule, trace: readonly string[]): string {
  const steps = schedule.steps.map((s, i) => `  step ${i + 1}: ${[...s.before.map(describeAction), `sync ${s.a}${s.b ? ` ‖ sync ${s.b}` : ''}`].join(', ')}`);
  const picks = schedule.picks.length > 0 ? [`picks: [${schedule.picks.join(', ')}]`] : [];
  return [`schedule (${schedule.steps.length} steps):`, ...steps, ...picks, `injections as played (${trace.length}):`, ...trace.map((t) => `  ${t}`)].join('\n');
}

export interface SimRunResult {
  runs: number;
  failures: number;
  report?: string;
  /** `point → injection kind → schedules that hit it`. */
  coverage: Map<string, Map<string, number>>;
  /** Violation kinds → runs that showed them (explore mode: every run is played, none shrunk). */
  kinds: Map<string, number>;
}

function count(coverage: SimRunResult['coverage'], hits: Set<string>): void {
  for (const hit of hits) {
    const [point = '', kind = ''] = hit.split('|');
    const row = coverage.get(point) ?? new Map<string, number>();
    row.set(kind, (row.get(kind) ?? 0) + 1);
    coverage.set(point, row);
  }
}

export interface SimRunOptions {
  seed?: number;
  path?: string;
  schedule?: Partial<ScheduleOptions>;
  /** Only these violation kinds fail the property (shrinking one kind at a time); default all. */
  only?: ReadonlySet<string>;
  open?: () => Promise<SharedStore>;
  /** Known findings to step around (exploration only, see `Mask`). */
  masks?: ReadonlySet<Mask>;
  /** Explore: shrink every failing schedule, not only the first of each kind. */
  every?: boolean;
}

/** fast-check over `runs` schedules; stops at the first failure and shrinks it. */
export async function runSim(runs: number, opts: SimRunOptions = {}): Promise<SimRunResult> {
  const shared = await (opts.open ?? sharedStore)();
  const coverage: SimRunResult['coverage'] = new Map();
  const kinds = new Map<string, number>();
  let shrinking = false;
  try {
    const property = fc.asyncProperty(scheduleArbitrary({ ...DEFAULT_OPTIONS, ...opts.schedule }), async (schedule) => {
      const outcome = await play(shared, schedule, opts.masks);
      const failing = outcome.violations.filter((v) => !opts.only || opts.only.has(kindOf(v)));
      if (!shrinking) {
        count(coverage, outcome.hits);
        for (const k of new Set(outcome.violations.map(kindOf))) kinds.set(k, (kinds.get(k) ?? 0) + 1);
      }
      if (failing.length > 0) {
        shrinking = true;
        throw new Error(`invariants violated:\n  ${failing.join('\n  ')}\n${describeSchedule(schedule, outcome.trace)}`);
      }
    });
    const details = await fc.check(property, { numRuns: runs, ...(opts.seed === undefined ? {} : { seed: opts.seed }), ...(opts.path === undefined ? {} : { path: opts.path }) });
    if (details.failed) {
      const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      const header = `seed ${details.seed}, path "${details.counterexamplePath ?? ''}", ${details.numShrinks} shrinks`;
      return { runs: details.numRuns, failures: 1, report: `${header}\n${cause}`, coverage, kinds };
    }
    return { runs: details.numRuns, failures: 0, coverage, kinds };
  } finally {
    await shared.close();
  }
}

/**
 * Explore: play `runs` schedules without stopping, count the violation kinds, then shrink the first
 * schedule of each kind on its own (one report per distinct failure).
 */
export async function exploreSim(runs: number, opts: SimRunOptions = {}): Promise<SimRunResult & { reports: string[] }> {
  const shared = await (opts.open ?? sharedStore)();
  const coverage: SimRunResult['coverage'] = new Map();
  const kinds = new Map<string, number>();
  const firstSeed = new Map<string, { seed: number; path: string }>();
  const failing: { kinds: string[]; path: string }[] = [];
  let failures = 0;
  const seed = opts.seed ?? Date.now() % 2_147_483_647;
  try {
    const arb = scheduleArbitrary({ ...DEFAULT_OPTIONS, ...opts.schedule });
    let index = 0;
    const property = fc.asyncProperty(arb, async (schedule) => {
      const outcome = await play(shared, schedule, opts.masks);
      count(coverage, outcome.hits);
      if (process.env['SIM_DEBUG']) process.stderr.write(`points ${outcome.points}\n`);
      const seen = new Set(outcome.violations.map(kindOf));
      if (seen.size > 0) {
        failures += 1;
        failing.push({ kinds: [...seen], path: String(index) });
      }
      for (const k of seen) {
        kinds.set(k, (kinds.get(k) ?? 0) + 1);
        if (!firstSeed.has(k)) firstSeed.set(k, { seed, path: String(index) });
      }
      index += 1;
    });
    await fc.assert(property, { numRuns: runs, seed });
  } finally {
    await shared.close();
  }
  const reports: string[] = [];
  if (opts.every) {
    // Every failing schedule shrunk on its own (to classify them all, not only the first of a kind).
    for (const f of failing) {
      const shrunk = await runSim(1, { ...opts, seed, path: f.path, only: new Set(f.kinds) });
      reports.push(`== run ${f.path}: ${f.kinds.join(', ')}\n${shrunk.report ?? '(did not reproduce on its own)'}`);
    }
    return { runs, failures, coverage, kinds, reports };
  }
  for (const [kind, at] of firstSeed) {
    const shrunk = await runSim(1, { ...opts, seed: at.seed, path: at.path, only: new Set([kind]) });
    reports.push(`== ${kind} (${kinds.get(kind) ?? 0} of ${runs} runs)\n${shrunk.report ?? '(did not reproduce on its own)'}`);
  }
  return { runs, failures, coverage, kinds, reports };
}

/** The coverage table: scheduling points (rows) × injections (columns), schedules that hit each. */
export function coverageTable(coverage: SimRunResult['coverage']): string {
  const columns = ['user:hub', 'user:caldav', 'user:graph', 'throttled', 'unavailable', 'timeout', 'reset-before', 'reset-after', 'timeout-after', 'crash'];
  const rows = [...coverage.keys()].sort();
  const width = Math.max(24, ...rows.map((r) => r.length));
  const head = `${'point'.padEnd(width)} ${columns.map((c) => c.padStart(14)).join('')}`;
  const lines = rows.map((r) => `${r.padEnd(width)} ${columns.map((c) => String(coverage.get(r)?.get(c) ?? '').padStart(14)).join('')}`);
  return [head, ...lines].join('\n');
}
