/**
 * The deterministic scheduler (FoundationDB-style simulation). Every provider request a worker makes
 * is two scheduling points — `send` (before the server applies it) and `reply` (after it applied it,
 * before the answer reaches the worker) — and every store write one more (`store`, before the write).
 * A worker that reaches a point waits there until the scheduler lets it go. Between two points
 * nothing else runs: the store is SQLite in memory (synchronous under its promises), so once the
 * event loop has drained every live worker is parked at a point, and the scheduler picks which one
 * goes next (the schedule's `picks`) and what happens to it (the schedule's injections):
 * - a user action (a third-party edit or delete, a hub user's edit) lands first;
 * - a fault: 429 with Retry-After, 503, timeout or connection reset at `send` (nothing applied), a
 *   lost response at `reply` (the server applied the write, the worker never hears of it);
 * - a crash: the worker never resumes (kill -9): whatever it wrote stays, nothing else happens.
 * The index of a point counts released points across the whole run, so a schedule replays exactly.
 */
import { CalsyncError } from '../../../src/errors.js';
import type { ManualClock } from '../../../src/util/clock.js';
import { describeInjection, type Injection, type Schedule, type UserAction } from './schedule.js';

export type Phase = 'send' | 'reply' | 'store';

export interface PointInfo {
  worker: number;
  /** What the request is, e.g. `caldav PUT`, `graph delta`, `store links.update`. */
  label: string;
  phase: Phase;
}

interface Waiting {
  info: PointInfo;
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface TaskState {
  settled: boolean;
  crashed: boolean;
}

/** An event loop turn: every pending promise callback has run. */
const drain = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Runs a user's action for the scheduler (a third party, or the hub's user, acting mid-sync). */
export type UserActor = (action: UserAction) => Promise<boolean>;

export class Scheduler {
  private waiting: Waiting[] = [];
  private released = 0;
  private pickIndex = 0;
  private active = false;
  private readonly byIndex = new Map<number, Injection[]>();
  /** Times each `label/phase` was released (for `triggers`). */
  private readonly seen = new Map<string, number>();
  /** What the simulator did, point by point (the schedule as it played out, for the failure report). */
  readonly trace: string[] = [];
  /** `label/phase → injection kind` pairs this run hit (for the coverage table). */
  readonly hits = new Set<string>();
  /** Requests (and store writes) per worker label, for the loop check. */
  pointsReleased = 0;

  constructor(
    private readonly schedule: Pick<Schedule, 'injections' | 'picks' | 'triggers'>,
    private readonly clock: ManualClock,
    private readonly actor: UserActor,
    /** Drop crashes and faults at the `reply` of writes (mask 6). */
    private readonly noLostWrites = false,
    /** Drop crashes and faults at the `reply` of creates, and crashes before a link is created (mask 61). */
    private readonly noLostCreates = false,
  ) {
    for (const { at, what } of schedule.injections) this.byIndex.set(at, [...(this.byIndex.get(at) ?? []), what]);
  }

  /** Called by providers and the store wrapper. Outside a scheduled run (quiescence) it passes at once. */
  point(info: PointInfo): Promise<void> {
    if (!this.active) return Promise.resolve();
    return new Promise<void>((resolve, reject) => this.waiting.push({ info, resolve, reject }));
  }

  /**
   * Runs workers to the end (or their crash) under the schedule. Returns which workers crashed;
   * a worker's own error (a refused sync, a listing failure) is its business and ends it normally.
   */
  async run(tasks: readonly (() => Promise<unknown>)[]): Promise<{ crashed: number[] }> {
    this.active = true;
    const states: TaskState[] = tasks.map(() => ({ settled: false, crashed: false }));
    tasks.forEach((task, i) => {
      const state = states[i] as TaskState;
      task().then(
        () => void (state.settled = true),
        () => void (state.settled = true),
      );
    });
    try {
      for (;;) {
        const live = (): number[] => states.flatMap((st, i) => (!st.settled && !st.crashed ? [i] : []));
        // Let every live worker run until it parks at a point (or ends): then the choice is deterministic.
        let turns = 0;
        do {
          await drain();
          turns += 1;
          if (turns > 200) throw new Error(`simulation stuck: live worker(s) ${live().join(', ')} not at a scheduling point`);
        } while (live().some((i) => !this.waiting.some((w) => w.info.worker === i)));
        if (live().length === 0) break;
        this.waiting.sort((x, y) => x.info.worker - y.info.worker);
        const choice = this.waiting.length > 1 ? (this.schedule.picks[this.pickIndex++] ?? 0) % this.waiting.length : 0;
        const [next] = this.waiting.splice(choice, 1) as [Waiting];
        await this.release(next, states);
      }
    } finally {
      this.active = false;
    }
    return { crashed: states.flatMap((s, i) => (s.crashed ? [i] : [])) };
  }

  private async release(w: Waiting, states: TaskState[]): Promise<void> {
    const index = this.released++;
    this.pointsReleased += 1;
    this.clock.advance(250);
    const where = `#${index} w${w.info.worker} ${w.info.label}/${w.info.phase}`;
    if (process.env['SIM_TRACE']) process.stderr.write(`${where}\n`);
    let error: CalsyncError | undefined;
    const point = `${w.info.label}/${w.info.phase}`;
    const nth = (this.seen.get(point) ?? 0) + 1;
    this.seen.set(point, nth);
    const triggered = (this.schedule.triggers ?? []).filter((t) => t.point === point && (t.nth ?? 1) === nth).map((t) => t.what);
    const lostWrite = w.info.phase === 'reply' && /PUT|PATCH|POST|DELETE/.test(w.info.label);
    const lostCreate = (w.info.phase === 'reply' && /POST|PUT create/.test(w.info.label)) || point === 'store links.create/store';
    for (const injection of [...(this.byIndex.get(index) ?? []), ...triggered]) {
      if (this.noLostWrites && lostWrite && injection.kind !== 'user') continue;
      if (this.noLostCreates && lostCreate && injection.kind !== 'user') continue;
      if (injection.kind === 'user') {
        const applied = await this.actor(injection.action);
        if (applied) {
          this.trace.push(`${where}: ${describeInjection(injection)}`);
          this.hits.add(`${w.info.label}/${w.info.phase}|user:${injection.action.who}`);
        }
      } else if (injection.kind === 'crash') {
        this.trace.push(`${where}: crash of worker ${w.info.worker}`);
        this.hits.add(`${w.info.label}/${w.info.phase}|crash`);
        (states[w.info.worker] as TaskState).crashed = true;
        // Never resumed, nor its other requests in flight: the process is gone.
        this.waiting = this.waiting.filter((x) => x.info.worker !== w.info.worker);
        return;
      } else if (w.info.phase !== 'store' && error === undefined) {
        const { kind, err } = faultError(injection.fault, w.info);
        error = err;
        this.trace.push(`${where}: ${kind}`);
        this.hits.add(`${w.info.label}/${w.info.phase}|${kind}`);
      }
    }
    if (error) w.reject(error);
    else w.resolve();
  }
}

/** The error a worker sees. At `reply` every fault is a lost response to a request the server applied. */
function faultError(fault: Injection & { kind: 'fault' } extends { fault: infer F } ? F : never, info: PointInfo): { kind: string; err: CalsyncError } {
  const details = { request: info.label, injected: true };
  if (info.phase === 'reply') {
    return fault === 'timeout'
      ? { kind: 'timeout-after', err: new CalsyncError('PROVIDER_TIMEOUT', `${info.label}: timed out after the server applied it`, { details }) }
      : { kind: 'reset-after', err: new CalsyncError('PROVIDER_UNAVAILABLE', `${info.label}: connection reset after the server applied it`, { details }) };
  }
  switch (fault) {
    case 'throttled':
      return { kind: 'throttled', err: new CalsyncError('PROVIDER_THROTTLED', `${info.label}: 429 Too Many Requests`, { retryAfterS: 30, details }) };
    case 'unavailable':
      return { kind: 'unavailable', err: new CalsyncError('PROVIDER_UNAVAILABLE', `${info.label}: 503 Service Unavailable`, { details: { ...details, status: 503 } }) };
    case 'timeout':
      return { kind: 'timeout', err: new CalsyncError('PROVIDER_TIMEOUT', `${info.label}: timed out`, { details }) };
    case 'reset':
      return { kind: 'reset-before', err: new CalsyncError('PROVIDER_UNAVAILABLE', `${info.label}: connection reset`, { details }) };
  }
}
