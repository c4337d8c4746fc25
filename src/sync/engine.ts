/**
 * The sync engine's entry point: one calendar, observe → plan → execute, then the sync state is moved
 * forward (compare-and-set) — and only when every change was applied, so nothing the calendar or the hub
 * reported is ever skipped. The CLI, the server and the queue's `sync.calendar` handler call this.
 */
import { CalsyncError, NotFoundError } from '../errors.js';
import type { CalendarProvider } from '../providers/types.js';
import type { CalendarRecord, Store, SyncState } from '../store/types.js';
import { isoNow, type Clock } from '../util/clock.js';
import { describe, type SyncAction } from './actions.js';
import type { ApplyContext } from './apply.js';
import { execute, ownWritesEnd, type ExecutionResult, type ItemError } from './execute.js';
import { SyncFence } from './fence.js';
import { DeletionBudget, type GuardOptions } from './guards.js';
import { observe, type HeldItem, type Observation } from './observe.js';
import { planSync, type ItemPlan, type PlanContext } from './plan.js';
import { countActions, emptyCounts, type SyncCounts } from './report.js';
import { effectiveRules } from './rules.js';
import { asPending, intentsOf, mergeWritten, touchedBy, unsettled, unsureCreates, writtenAfter } from './written.js';

/** The slice of a pino logger the engine uses. */
export interface SyncLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface SyncProgress {
  calendarId: string;
  phase: 'observe' | 'plan' | 'execute' | 'done';
  done: number;
  total: number;
  /** The action being applied (`describe`), during `execute`. */
  operation?: string;
}

export interface SyncDeps {
  store: Store;
  /** The provider of the calendar's integration. */
  provider: CalendarProvider;
  clock: Clock;
  logger?: SyncLogger;
  onProgress?: (progress: SyncProgress) => void;
  /** Mass-delete guard thresholds (defaults in `guards.ts`). */
  guards?: GuardOptions;
  /**
   * Aborted when this sync must stop (the queue lost its lease or mutex on the calendar): the sync
   * writes nothing more and fails with SYNC_LEASE_LOST. Without it, the sync is still fenced against
   * another sync of the calendar saving its state meanwhile (see fence.ts).
   */
  signal?: AbortSignal;
}

export interface SyncTarget {
  tenantId: string;
  calendarId: string;
}

export interface SyncOptions {
  /** Ignore the cursor: list everything (deletions are what is missing). */
  full?: boolean;
  /** Plan only: nothing is written; the report carries the plan. */
  dryRun?: boolean;
  /** The user confirmed the deletions (`sync --force`): skips the mass-delete and empty-calendar guards. */
  allowMassDelete?: boolean;
}

export interface SyncReport extends SyncCounts {
  tenantId: string;
  calendarId: string;
  /** `disabled`: the calendar is switched off and was not synced. */
  skipped?: 'disabled';
  dryRun: boolean;
  listing?: 'unchanged' | 'delta' | 'full';
  /** One line per planned action (always for a dry run; on a real run, what was applied). */
  plan: string[];
  /**
   * Items that failed, one entry each. A linked calendar item that exists but cannot be read is one
   * (PROVIDER_ITEM_UNREADABLE, blocking): its hub event was left alone, the cursor stays, it is retried.
   */
  errors: ItemError[];
  /** Unreadable or duplicate items in the calendar, named, none fatal. */
  problems: { remoteId: string; code: string; message: string }[];
  /** Provider requests this sync made. */
  requests: number;
  durationMs: number;
  /** Hub events this sync changed: enqueue syncs of the other calendars to propagate them. */
  changedHubEventIds: string[];
  /** Where the time went (ms): observing (listing included), planning, executing. */
  phases: { observeMs: number; planMs: number; executeMs: number };
}

/** A held item (linked, unreadable) as the report's item error: blocking, so the cursor does not pass it. */
function heldError(held: HeldItem): ItemError {
  return {
    action: `read ${held.remoteId}`,
    code: 'PROVIDER_ITEM_UNREADABLE',
    message: `${held.remoteId} exists but cannot be read (${held.problem.code}: ${held.problem.message}); its hub event ${held.hubEventId} is left as it is`,
    blocking: true,
    hubEventId: held.hubEventId,
    remoteId: held.remoteId,
  };
}

async function loadCalendar(store: Store, target: SyncTarget): Promise<CalendarRecord> {
  const calendar = await store.calendars.get(target.tenantId, target.calendarId);
  if (!calendar) throw new NotFoundError('calendar', target.calendarId);
  return calendar;
}

/** Safety errors stop the integration until a person looks at it. */
async function flagIfGuard(store: Store, calendar: CalendarRecord, err: unknown): Promise<void> {
  if (err instanceof CalsyncError && (err.code === 'SYNC_MASS_DELETE' || err.code === 'SYNC_STORAGE_EMPTY')) {
    await store.integrations.update(calendar.tenantId, calendar.integrationId, { status: 'flagged', statusReason: err.message });
  }
}

/**
 * Records a refused sync's error, through the fence: when another sync of the calendar saved its state
 * since this one claimed it, nothing is written (SYNC_LEASE_LOST) — writing back the state read here
 * would undo what that sync saved with the cursor unchanged (its create intents, `WrittenItem.sent`).
 */
async function recordFailure(store: Store, fence: SyncFence, calendar: CalendarRecord, clock: Clock, err: unknown): Promise<void> {
  const state = await store.syncState.get(calendar.tenantId, calendar.id);
  const next: SyncState = { ...state, lastSyncAt: isoNow(clock), lastError: err instanceof Error ? err.message : String(err) };
  // Through the fence, and compare-and-set on `written` too: a failure record must not drop the items a
  // sync that saved meanwhile with the same cursor wrote (losing the race only loses this record).
  await fence.save(next, state.cursor ?? null, state.written ?? null);
}

export async function syncCalendar(deps: SyncDeps, target: SyncTarget, opts: SyncOptions = {}): Promise<SyncReport> {
  const { store, provider, clock } = deps;
  const started = clock.now();
  const requestsBefore = provider.stats.requests;
  const calendar = await loadCalendar(store, target);
  const report: SyncReport = {
    ...emptyCounts(),
    tenantId: target.tenantId,
    calendarId: target.calendarId,
    dryRun: opts.dryRun === true,
    plan: [],
    errors: [],
    problems: [],
    requests: 0,
    durationMs: 0,
    changedHubEventIds: [],
    phases: { observeMs: 0, planMs: 0, executeMs: 0 },
  };
  const finish = (): SyncReport => {
    report.requests = provider.stats.requests - requestsBefore;
    report.durationMs = clock.now() - started;
    deps.onProgress?.({ calendarId: calendar.id, phase: 'done', done: 1, total: 1 });
    return report;
  };
  if (!calendar.enabled) {
    report.skipped = 'disabled';
    return finish();
  }
  const integration = await store.integrations.get(target.tenantId, calendar.integrationId);
  if (!integration) throw new NotFoundError('integration', calendar.integrationId);
  const ctx: PlanContext = { calendarId: calendar.id, direction: calendar.direction, rules: effectiveRules(integration.conflictRules, calendar.conflictRules) };

  const fence = new SyncFence(store, target.tenantId, calendar.id, deps.signal);
  deps.onProgress?.({ calendarId: calendar.id, phase: 'observe', done: 0, total: 0 });
  let plan: ItemPlan[];
  let observation: Observation;
  let budget: DeletionBudget;
  try {
    if (!opts.dryRun) await fence.take();
    observation = await observe(store, provider, target.tenantId, calendar, { full: opts.full === true, allowEmpty: opts.allowMassDelete === true });
    report.phases.observeMs = clock.now() - started;
    deps.onProgress?.({ calendarId: calendar.id, phase: 'plan', done: 0, total: observation.items.length });
    plan = planSync(observation.items, ctx).filter((i) => i.actions.length > 0);
    budget = new DeletionBudget(observation.linked, calendar.id, { ...deps.guards, ...(opts.allowMassDelete ? { allowMassDelete: true } : {}) });
    budget.admitPlan(plan);
    report.phases.planMs = clock.now() - started - report.phases.observeMs;
  } catch (err) {
    // A sync that lost its lease writes nothing, not even its failure: the calendar is someone else's now.
    if (!opts.dryRun && !fence.aborted && !(err instanceof CalsyncError && err.code === 'SYNC_LEASE_LOST')) {
      try {
        await flagIfGuard(store, calendar, err);
        await recordFailure(store, fence, calendar, clock, err);
      } catch (recordErr) {
        // The original error is what the caller must see; the store failing too is only logged.
        deps.logger?.warn({ calendarId: calendar.id, err: recordErr }, 'could not record the sync failure');
      }
    }
    deps.logger?.warn({ calendarId: calendar.id, err }, 'sync refused');
    throw err;
  }
  report.listing = observation.listing;
  report.problems = observation.problems;
  const held = observation.held.map(heldError);

  if (opts.dryRun) {
    report.errors = held;
    const planned: SyncAction[] = plan.flatMap((i) => i.actions);
    Object.assign(report, countActions(planned));
    report.plan = planned.map(describe);
    return finish();
  }

  const state = observation.state;
  // The items this run is about to write or reconcile are remembered first: a run that aborts or
  // crashes after applying some of them leaves the cursor where it was, and must still re-read them
  // next time (see written.ts).
  const intents = intentsOf(plan);
  const touched = touchedBy(plan.flatMap((i) => i.actions));
  // The last check before the first write: a sync of this calendar that saved its state since this
  // sync began (its listing may be newer than ours) or a lost lease stops this one here.
  await fence.check();
  const preSaved = touched.length > 0 ? mergeWritten(state.written, asPending(touched)) : undefined;
  if (preSaved) await fence.save({ ...state, written: preSaved }, state.cursor ?? null);
  const apply: ApplyContext = { store, provider, tenantId: target.tenantId, calendarId: calendar.id, remoteCalendarId: calendar.remoteId, source: `calendar:${calendar.id}`, hold: (tx) => fence.hold(tx) };
  let result: ExecutionResult;
  try {
    result = await execute(apply, plan, ctx, {
      onAction: (done, total, action) => deps.onProgress?.({ calendarId: calendar.id, phase: 'execute', done, total, operation: describe(action) }),
      budget,
      fence: () => fence.check(),
    });
  } catch (err) {
    // An abort (rejected credentials, a store failure) is no crash: the creates this run sent had their
    // answers (a wave finishes before the run stops), so its intents stop being `pending`. Where that
    // save fails too (the store is down, the lease lost), they stay pending and count as a crash's.
    if (preSaved && !fence.aborted) await fence.save({ ...state, written: mergeWritten(state.written, touched) ?? preSaved }, state.cursor ?? null, preSaved).catch(() => undefined);
    throw err;
  }
  report.phases.executeMs = clock.now() - started - report.phases.observeMs - report.phases.planMs;
  Object.assign(report, countActions(result.applied));
  report.plan = result.applied.map(describe);
  report.errors = [...held, ...result.errors];
  report.changedHubEventIds = [...new Set(result.changedHubEventIds)];

  // Move the cursors only past changes that were applied (or refused for good); a change that failed
  // for a passing reason, or an item we could not read, is seen again next run.
  const now = isoNow(clock);
  const blocked = report.errors.some((e) => e.blocking);
  const next: SyncState = blocked
    ? { ...state, lastSyncAt: now }
    : { ...state, cursor: observation.cursor, hubSeq: ownWritesEnd(observation.hubSeq, result.ownSeqs), lastSyncAt: now, lastSuccessAt: now };
  // The writes since the cursor now stored: this run's, plus the earlier ones while the cursor stays —
  // and, when it stays because the run was blocked, every item the run set out to reconcile (`touchedBy`).
  const ours = [...(blocked ? touched : []), ...(await writtenAfter(store, target.tenantId, calendar.id, intents, result.applied, unsureCreates(result.errors)))];
  const written = mergeWritten(next.cursor === state.cursor ? unsettled(state.written, blocked ? [] : observation.settled) : undefined, ours);
  if (written) next.written = written;
  else delete next.written;
  if (report.errors.length > 0) next.lastError = `${report.errors.length} item(s) failed; first: ${report.errors[0]?.message ?? ''}`;
  else delete next.lastError;
  await fence.save(next, state.cursor ?? null);
  deps.logger?.info({ calendarId: calendar.id, ...countActions(result.applied), errors: result.errors.length }, 'sync done');
  return finish();
}
