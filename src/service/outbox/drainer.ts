/**
 * The outbox drainer: turns hub changes (outbox = audit rows, see `OutboxRepo`) into coalesced
 * `sync.calendar` jobs for every calendar that lacks them, then moves the tenant's mark compare-and-set.
 *
 * - Idempotent and crash-safe: jobs are enqueued before the mark moves, so a crash in between enqueues
 *   them again on the next drain — coalesced with the waiting ones, and skipped for calendars whose
 *   hub seq has passed the changes meanwhile. Nothing is lost; at worst a sync runs that finds nothing.
 * - Several processes: each may drain a tenant at the same time; the loser of the mark's
 *   compare-and-set re-reads it and goes on from there (its jobs were coalesced). Within a process one
 *   drain per tenant runs at a time; a wake-up during it runs one more pass after it.
 * - Woken at once after a hub write committed in this process (`outbox.onCommit`); writes of other
 *   processes (the API process, the CLI) are found by polling the backlog (default every second).
 */
import type { JobQueue } from '../../queue/types.js';
import type { Store } from '../../store/types.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { enqueueCalendarSync } from '../sync-jobs.js';
import { reasonOf } from './fan-out.js';
import { readDeliveries, targetStates } from './deliveries.js';

export interface DrainDeps {
  store: Store;
  queue: JobQueue;
  clock: Clock;
  logger?: Logger;
}

export interface DrainReport {
  tenantId: string;
  /** The mark before and after. */
  from: number;
  to: number;
  /** Calendars a sync was enqueued for (each once). */
  enqueued: string[];
}

/** Drains one tenant's outbox to the end (as it was when the drain started, or later). */
export async function drainOutbox(deps: DrainDeps, tenantId: string): Promise<DrainReport> {
  const { store } = deps;
  const start = await store.outbox.drainedSeq(tenantId);
  let mark = start;
  const enqueued = new Set<string>();
  for (;;) {
    // Read the targets' progress before the entries: a sync finishing in between only makes us enqueue one it no longer needs.
    const targets = await targetStates(store, tenantId);
    const pass = await readDeliveries(deps, tenantId, mark, targets);
    if (pass.lastSeq === mark) break;
    for (const d of pass.deliveries) {
      // The queue's debounce for the priority: high at once, others coalesce (product.md, "Wedding workflow").
      await enqueueCalendarSync(deps.queue, tenantId, d.calendarId, { priority: d.priority, reason: reasonOf(d) });
      enqueued.add(d.calendarId);
    }
    if (await store.outbox.advance(tenantId, mark, pass.lastSeq)) mark = pass.lastSeq;
    else {
      // Another drainer moved it (it only ever grows): go on from where it is.
      const moved = await store.outbox.drainedSeq(tenantId);
      deps.logger?.info({ tenantId, expected: mark, actual: moved }, 'outbox mark moved by another drainer');
      mark = moved;
    }
    if (pass.complete && mark >= pass.lastSeq) break;
  }
  return { tenantId, from: start, to: mark, enqueued: [...enqueued] };
}

export interface OutboxDrainerOptions {
  /** How often the backlog of every tenant is checked for other processes' writes (default 1,000 ms). */
  pollMs?: number;
}

export interface OutboxDrainer {
  /** Drains a tenant now (single-flight per tenant in this process); resolves when a pass that started after the call finished. */
  wake(tenantId: string): Promise<void>;
  /** Drains every tenant with a backlog. */
  drainAll(): Promise<void>;
  /** Stops polling and listening; resolves once drains in flight finished. */
  stop(): Promise<void>;
}

interface TenantRun {
  running: Promise<void>;
  /** Set when a wake-up arrived during the run: one more pass follows, shared by every such caller. */
  again?: Promise<void>;
}

export function startOutboxDrainer(deps: DrainDeps, opts: OutboxDrainerOptions = {}): OutboxDrainer {
  const runs = new Map<string, TenantRun>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let pollPass: Promise<void> = Promise.resolve();

  const drainOnce = async (tenantId: string): Promise<void> => {
    try {
      const report = await drainOutbox(deps, tenantId);
      if (report.enqueued.length > 0) deps.logger?.info({ tenantId, from: report.from, to: report.to, calendars: report.enqueued.length }, 'hub changes propagated');
    } catch (err) {
      // The mark did not move past what failed: the next wake-up or poll retries it.
      deps.logger?.warn({ err, tenantId }, 'outbox drain failed');
    }
  };

  const wake = (tenantId: string): Promise<void> => {
    const run = runs.get(tenantId);
    if (run) {
      run.again ??= run.running.then(() => {
        run.again = undefined;
        run.running = drainOnce(tenantId);
        return run.running;
      });
      return run.again;
    }
    const fresh: TenantRun = { running: drainOnce(tenantId) };
    runs.set(tenantId, fresh);
    const settle = (): Promise<void> => (fresh.again ? fresh.again.then(settle) : Promise.resolve(void runs.delete(tenantId)));
    void fresh.running.then(settle);
    return fresh.running;
  };

  const drainAll = async (): Promise<void> => {
    const backlog = await deps.store.outbox.backlog();
    await Promise.all(backlog.map((b) => wake(b.tenantId)));
  };

  const unsubscribe = deps.store.outbox.onCommit((tenantId) => {
    if (!stopped) void wake(tenantId);
  });
  const poll = async (): Promise<void> => {
    try {
      await drainAll();
    } catch (err) {
      deps.logger?.warn({ err }, 'outbox poll failed');
    }
    if (!stopped) timer = setTimeout(() => (pollPass = poll()), opts.pollMs ?? 1_000);
  };
  timer = setTimeout(() => (pollPass = poll()), 0);

  return {
    wake,
    drainAll,
    async stop() {
      stopped = true;
      unsubscribe();
      if (timer) clearTimeout(timer);
      await pollPass;
      await Promise.all([...runs.values()].map((r) => r.again ?? r.running));
    },
  };
}
