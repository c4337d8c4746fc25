/**
 * Execute: apply a plan item by item (pimsync `sync/execute.rs`). An item that fails is reported as
 * `{action, error}` and the others go on; a store failure, or a provider that rejects our credentials,
 * aborts the run. Plain creates of a first sync are written in batches (`batch.ts`): a 10,000-event
 * import costs a few multi-row writes instead of 20,000 single-row transactions.
 */
import { CalsyncError, isCalsyncError, type ErrorCode } from '../errors.js';
import type { CalendarEvent, HubEvent } from '../model/event.js';
import { describe, isDeletion, type SyncAction } from './actions.js';
import { abortsRun, applyAction, Replan, StoreAbort, viaStore, type ApplyContext } from './apply.js';
import { exportBatch, importBatch, isLoneAction } from './batch.js';
import type { DeletionBudget } from './guards.js';
import { planItem, type ItemInput, type ItemPlan, type PlanContext } from './plan.js';
import { sentByCreate, sentHash } from './sent.js';
import { mayHaveApplied } from './written.js';

/** Re-plans after a 412/404/409 per item: the calendar moved under us this many times at most. */
const MAX_REPLANS = 3;
/** Rows per multi-row write of a batched import or export. */
const BATCH = 500;
/**
 * Item failures that would fail the same way on every retry (the calendar refuses the event, the data
 * cannot be read): reported, but they do not hold the cursors back — one event Outlook cannot express
 * must not make every later sync re-read the same changes forever. Anything else (throttling, outages,
 * lost compare-and-set races) holds them back, so the change is seen and retried next run.
 */
const PERMANENT_ITEM_CODES: ReadonlySet<string> = new Set(['PROVIDER_REJECTED', 'ICAL_PARSE', 'ICAL_TOO_LARGE', 'ICAL_UNSUPPORTED', 'VALIDATION']);

export interface ItemError {
  action: string;
  /** The failed action's type (absent for an item held before planning). */
  actionType?: SyncAction['type'];
  /** The failed request may have been applied all the same (a lost answer: `mayHaveApplied`). */
  mayHaveApplied?: true;
  /** `INTERNAL`: not a CalsyncError (a bug); reported, never swallowed silently. */
  code: ErrorCode | 'INTERNAL';
  message: string;
  /** False for a permanent refusal: retrying cannot help, so the sync's cursors still move on. */
  blocking: boolean;
  hubEventId?: string;
  remoteId?: string;
}

export interface ExecutionResult {
  applied: SyncAction[];
  errors: ItemError[];
  /** Hub events this run changed (the caller propagates them to the other calendars). */
  changedHubEventIds: string[];
  /** The hub seqs of this run's own hub writes (see `ownWritesEnd`). */
  ownSeqs: number[];
}

/**
 * How far the calendar's hub seq may move past `from` without skipping anyone else's change: across
 * our own writes for as long as they are consecutive (hub seqs have no gaps, so a gap is a foreign
 * write, which this calendar must still see). Our own writes need not come back as echoes then.
 */
export function ownWritesEnd(from: number, ownSeqs: readonly number[]): number {
  let end = from;
  for (const seq of [...ownSeqs].sort((a, b) => a - b)) {
    if (seq <= end) continue;
    if (seq !== end + 1) break;
    end = seq;
  }
  return end;
}

export interface ExecuteOptions {
  onAction?: (done: number, total: number, action: SyncAction) => void;
  /**
   * The run's deletion budget (the plan's deletions already counted). A deletion that appears only when
   * an item is re-planned after a 412/404/409 is counted against it; one the guard would refuse is not
   * applied but reported as a blocking SYNC_MASS_DELETE item error, so the next sync plans it in the open.
   * Without a budget (a single item a user resolves) re-planned deletions are applied.
   */
  budget?: DeletionBudget;
  /**
   * Called before every write (each item, each re-plan, each batch): throws when the run must stop (its
   * lease lost, another sync of the calendar moved on — SYNC_LEASE_LOST, see fence.ts). The error ends
   * the run; what was applied stays applied, nothing more is written.
   */
  fence?: () => Promise<void>;
}

/** The item as it is now: hub event, link, calendar copy and open conflict read again. */
async function refresh(c: ApplyContext, input: ItemInput, replan: Replan, action: SyncAction): Promise<ItemInput> {
  const hubId = input.hub?.id ?? input.link?.hubEventId;
  const { store, tenantId, calendarId } = c;
  const hub = hubId === undefined ? undefined : await viaStore(() => store.events.get(tenantId, hubId, { includeDeleted: true }));
  let link = hubId === undefined ? undefined : await viaStore(() => store.links.getByHubEvent(tenantId, calendarId, hubId));
  if (!link && replan.remoteId !== undefined) {
    const remoteId = replan.remoteId;
    link = await viaStore(() => store.links.getByRemote(tenantId, calendarId, remoteId));
  }
  const remote = link ? (await c.provider.fetch(c.remoteCalendarId, [link.remoteId]))[0] : await c.provider.findByUid(c.remoteCalendarId, replan.uid);
  const conflict = hubId === undefined ? undefined : await viaStore(() => store.conflicts.openFor(tenantId, calendarId, hubId));
  // Our own create whose link save was lost (an earlier run's, when this run's create met 409): what it
  // sent is the base (sent.ts).
  let sent: CalendarEvent | undefined;
  if (!link && hub && remote?.hubId === hub.id) {
    const state = await viaStore(() => store.syncState.get(tenantId, calendarId));
    const failed = action.type === 'createRemote' && replan.code === 'PROVIDER_CONFLICT' ? sentHash(action.hub.event) : undefined;
    sent = await viaStore(() => sentByCreate(store, tenantId, state.written, hub, remote, failed));
  }
  return { ...(hub ? { hub } : {}), ...(remote ? { remote } : {}), ...(link ? { link } : {}), ...(conflict ? { conflict } : {}), ...(sent ? { sent } : {}) };
}

function toItemError(action: SyncAction, err: unknown): ItemError {
  const hubEventId = 'hub' in action ? action.hub.id : 'link' in action ? action.link?.hubEventId : undefined;
  const remoteId = 'remote' in action ? action.remote.remoteId : 'link' in action ? action.link?.remoteId : undefined;
  const code = isCalsyncError(err) ? err.code : err instanceof Replan ? err.code : 'INTERNAL';
  return {
    action: describe(action),
    actionType: action.type,
    code,
    message: err instanceof Error ? err.message : String(err),
    blocking: !PERMANENT_ITEM_CODES.has(code),
    ...(mayHaveApplied(err) ? { mayHaveApplied: true as const } : {}),
    ...(hubEventId ? { hubEventId } : {}),
    ...(remoteId ? { remoteId } : {}),
  };
}

/** A deletion found only by a re-plan that the mass-delete guard refuses: not applied, reported, blocking. */
function heldDeletion(action: SyncAction, why: string): ItemError {
  const error = toItemError(action, new CalsyncError('SYNC_MASS_DELETE', `not deleting now, the calendar changed under a write and the run would delete ${why}; the next sync plans it again`));
  return { ...error, blocking: true };
}

export async function execute(c: ApplyContext, plan: readonly ItemPlan[], ctx: PlanContext, opts: ExecuteOptions = {}): Promise<ExecutionResult> {
  const result: ExecutionResult = { applied: [], errors: [], changedHubEventIds: [], ownSeqs: [] };
  const total = plan.reduce((n, i) => n + i.actions.length, 0);
  const done = (action: SyncAction, hub: HubEvent | undefined): void => {
    result.applied.push(action);
    if (hub) {
      result.changedHubEventIds.push(hub.id);
      result.ownSeqs.push(hub.seq);
    }
    opts.onAction?.(result.applied.length, total, action);
  };

  // Plain creates go in batches; whatever a batch could not do goes through the one-by-one path.
  const rest = plan.filter((i) => !isLoneAction(i, 'createHub') && !isLoneAction(i, 'createRemote'));
  const imports = plan.filter((i) => isLoneAction(i, 'createHub'));
  const exports = plan.filter((i) => isLoneAction(i, 'createRemote'));
  const fence = opts.fence ?? (async () => undefined);
  for (let i = 0; i < imports.length; i += BATCH) {
    await fence();
    rest.push(...(await importBatch(c, imports.slice(i, i + BATCH), done)));
  }
  const fail = (action: SyncAction, err: unknown): void => void result.errors.push(toItemError(action, err));
  for (let i = 0; i < exports.length; i += BATCH) {
    await fence();
    rest.push(...(await exportBatch(c, exports.slice(i, i + BATCH), done, fail)));
  }

  for (const item of rest) {
    let current: ItemPlan = item;
    // Whether this item's deletion was counted by the guards (the plan's were, before execution).
    let counted = item.actions.some(isDeletion);
    for (let attempt = 0; ; attempt += 1) {
      const outcome = await runItem(c, current, done, fence);
      if (outcome.kind === 'ok') break;
      if (outcome.kind === 'replan' && attempt < MAX_REPLANS) {
        try {
          const input = await refresh(c, current.input, outcome.replan, outcome.action);
          current = { input, actions: planItem(input, ctx) };
          const deletion = counted ? undefined : current.actions.find(isDeletion);
          if (deletion) {
            const refused = opts.budget?.admit(current);
            if (refused !== undefined) {
              result.errors.push(heldDeletion(deletion, refused));
              break;
            }
            counted = true;
          }
          continue;
        } catch (err) {
          if (err instanceof StoreAbort) throw err.original;
          result.errors.push(toItemError(outcome.action, err));
          break;
        }
      }
      result.errors.push(toItemError(outcome.action, outcome.kind === 'replan' ? outcome.replan : outcome.error));
      break;
    }
  }
  return result;
}

type ItemOutcome = { kind: 'ok' } | { kind: 'replan'; action: SyncAction; replan: Replan } | { kind: 'failed'; action: SyncAction; error: unknown };

async function runItem(c: ApplyContext, item: ItemPlan, done: (a: SyncAction, hub: HubEvent | undefined) => void, fence: () => Promise<void>): Promise<ItemOutcome> {
  for (const action of item.actions) {
    // Outside the try: a lost lease ends the run, it is not this item's failure.
    await fence();
    try {
      done(action, await applyAction(c, action));
    } catch (err) {
      if (err instanceof StoreAbort) throw err.original;
      if (abortsRun(err)) throw err;
      if (err instanceof Replan) return { kind: 'replan', action, replan: err };
      return { kind: 'failed', action, error: err };
    }
  }
  return { kind: 'ok' };
}
