/**
 * Turns the `onStatus` callbacks of `runCalendarSync` into bus events: adds the integration, keeps
 * running created/updated/deleted counts, and thins out `in_progress` (at most one per calendar every
 * `progressEveryMs`, plus phase changes and the last step) so a sync of thousands of items does not
 * become thousands of messages. Publishes go out one after another, in order.
 */
import type { Store } from '../../store/types.js';
import { systemClock, type Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { SyncStatus } from '../sync-jobs.js';
import type { StatusBus } from './bus.js';
import { summarize, type ProgressCounts, type StatusEvent } from './events.js';

export interface StatusReporterOptions {
  clock?: Clock;
  logger?: Logger;
  /** Minimum gap between two `in_progress` events of one calendar (default 250 ms). */
  progressEveryMs?: number;
}

interface RunState {
  counts: ProgressCounts;
  phase: string;
  lastSentAt: number;
}

/** The kind of write an engine operation line describes (`describe()` in sync/actions.ts). */
function writeKind(operation: string): 'created' | 'updated' | 'deleted' | undefined {
  if (operation.startsWith('create ')) return 'created';
  if (operation.startsWith('update ') || operation.startsWith('restore ')) return 'updated';
  if (operation.startsWith('delete ')) return 'deleted';
  return undefined;
}

export interface StatusReporter {
  (status: SyncStatus): void;
  /** Resolves when every event handed over so far is published (tests, shutdown). */
  flush(): Promise<void>;
}

export function statusReporter(bus: StatusBus, store: Store, opts: StatusReporterOptions = {}): StatusReporter {
  const clock = opts.clock ?? systemClock;
  const every = opts.progressEveryMs ?? 250;
  const runs = new Map<string, RunState>();
  const integrations = new Map<string, Promise<string | undefined>>();
  let chain: Promise<void> = Promise.resolve();

  const integrationOf = (tenantId: string, calendarId: string): Promise<string | undefined> => {
    let found = integrations.get(calendarId);
    if (!found) {
      found = store.calendars.get(tenantId, calendarId).then(
        (c) => c?.integrationId,
        () => undefined,
      );
      integrations.set(calendarId, found);
    }
    return found;
  };

  const send = (tenantId: string, calendarId: string, build: (integrationId: string | undefined) => StatusEvent[]): void => {
    chain = chain.then(async () => {
      const integrationId = await integrationOf(tenantId, calendarId);
      for (const event of build(integrationId)) {
        try {
          await bus.publish(event);
        } catch (err) {
          opts.logger?.warn({ err, type: event.type }, 'could not publish a status event');
        }
      }
    });
  };

  const reporter = ((status: SyncStatus) => {
    const { tenantId, calendarId } = status;
    const at = clock.now();
    const scope = (integrationId: string | undefined) => ({ tenantId, calendarId, at, ...(integrationId ? { integrationId } : {}) });
    switch (status.type) {
      case 'started':
        runs.set(calendarId, { counts: { processed: 0, total: 0, created: 0, updated: 0, deleted: 0 }, phase: '', lastSentAt: 0 });
        send(tenantId, calendarId, (i) => [{ ...scope(i), type: 'started' }]);
        return;
      case 'in_progress': {
        const run = runs.get(calendarId) ?? { counts: { processed: 0, total: 0, created: 0, updated: 0, deleted: 0 }, phase: '', lastSentAt: 0 };
        runs.set(calendarId, run);
        const kind = status.operation && status.phase === 'execute' ? writeKind(status.operation) : undefined;
        if (kind) run.counts[kind] += 1;
        // `done` reports 1 of 1 whatever the size of the sync: the counts of the execute phase stand.
        if (status.phase === 'done') run.counts.processed = run.counts.total;
        else {
          run.counts.processed = status.done;
          run.counts.total = status.total;
        }
        const phaseChanged = run.phase !== status.phase;
        const last = status.done >= status.total;
        if (!phaseChanged && !last && at - run.lastSentAt < every) return;
        run.phase = status.phase;
        run.lastSentAt = at;
        const counts = { ...run.counts };
        send(tenantId, calendarId, (i) => [
          { ...scope(i), type: 'in_progress', phase: status.phase, counts, ...(status.operation ? { operation: status.operation } : {}) },
        ]);
        return;
      }
      case 'completed': {
        runs.delete(calendarId);
        const { report } = status;
        send(tenantId, calendarId, (i) => {
          const events: StatusEvent[] = [{ ...scope(i), type: 'completed', summary: summarize(report) }];
          if (report.conflicts.recorded > 0) events.push({ ...scope(i), type: 'conflict.recorded', count: report.conflicts.recorded });
          if (report.conflicts.resolved > 0) events.push({ ...scope(i), type: 'conflict.resolved', count: report.conflicts.resolved });
          return events;
        });
        return;
      }
      case 'failed':
        runs.delete(calendarId);
        send(tenantId, calendarId, (i) => [{ ...scope(i), type: 'failed', error: status.error, ...(status.code ? { code: status.code } : {}) }]);
        return;
      default: {
        const never: never = status;
        return never;
      }
    }
  }) as StatusReporter;
  reporter.flush = () => chain;
  return reporter;
}
