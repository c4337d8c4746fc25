/**
 * Propagation run in this process, for the CLI (no workers): every calendar that lacks hub changes —
 * read from the outbox against each calendar's hub seq — is synced now, one after the other. A target
 * that fails is reported and the others still go (`calsync sync` once stopped at the first failure and
 * left the rest behind). A failed target keeps its hub seq, so the next run, or a worker's drainer,
 * finishes it; the outbox mark moves only when every target has everything.
 */
import type { SyncReport } from '../../sync/engine.js';
import { runCalendarSync, type SyncServiceDeps } from '../sync-jobs.js';
import { readDeliveries, targetStates } from './deliveries.js';
import { reasonOf } from './fan-out.js';

/** Rounds of catch-up: a target's sync may import changes of its own, which the others then lack. */
const MAX_ROUNDS = 3;

export interface TargetOutcome {
  calendarId: string;
  name: string;
  report?: SyncReport;
  /** Set when the sync threw (the report is absent then). */
  error?: { code: string; message: string };
}

/**
 * `skip`: calendars not to sync in this run (the caller's own syncs of them just failed: trying again at
 * once would only hammer a server that is failing). They keep their hub seq and catch up later.
 */
export async function propagateNow(deps: SyncServiceDeps, tenantId: string, opts: { skip?: readonly string[] } = {}): Promise<TargetOutcome[]> {
  const { store } = deps;
  const outcomes: TargetOutcome[] = [];
  const failed = new Set<string>(opts.skip ?? []);
  let caughtUpTo: number | undefined;
  for (let round = 0; round < MAX_ROUNDS; round += 1) {
    const targets = (await targetStates(store, tenantId)).filter((t) => !failed.has(t.calendar.id));
    const from = Math.min(...targets.map((t) => t.hubSeq), await store.events.maxSeq(tenantId));
    const pass = await readDeliveries(deps, tenantId, from, targets);
    if (pass.deliveries.length === 0) {
      if (pass.complete) caughtUpTo = pass.lastSeq;
      break;
    }
    for (const delivery of pass.deliveries) {
      const calendar = targets.find((t) => t.calendar.id === delivery.calendarId)?.calendar;
      const name = calendar?.name ?? delivery.calendarId;
      try {
        const report = await runCalendarSync(deps, tenantId, { calendarId: delivery.calendarId, reason: `cli ${reasonOf(delivery)}` });
        outcomes.push({ calendarId: delivery.calendarId, name, report });
        // Items that failed for a passing reason held its hub seq back: not again in this run.
        if (report.errors.some((e) => e.blocking)) failed.add(delivery.calendarId);
      } catch (err) {
        failed.add(delivery.calendarId);
        const code = (err as { code?: unknown }).code;
        outcomes.push({ calendarId: delivery.calendarId, name, error: { code: typeof code === 'string' ? code : 'INTERNAL', message: err instanceof Error ? err.message : String(err) } });
      }
    }
  }
  if (failed.size === 0 && caughtUpTo !== undefined) {
    // Every target has every change up to here: the drainers need not enqueue them again.
    const mark = await store.outbox.drainedSeq(tenantId);
    if (caughtUpTo > mark) await store.outbox.advance(tenantId, mark, caughtUpTo);
  }
  return outcomes;
}
