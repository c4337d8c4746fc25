/**
 * Whole-plan safety checks (vdirsyncer's `StorageEmpty`, plus a guard against partial wipes). They turn
 * the symptoms of a broken listing — a calendar that suddenly looks empty or short — into typed errors
 * instead of deletions, and the engine flags the integration so a person looks at it.
 */
import { CalsyncError } from '../errors.js';
import { isWeddingCritical } from '../model/priority.js';
import { isDeletion } from './actions.js';
import type { ItemPlan } from './plan.js';

export interface GuardOptions {
  /** Refuse a plan deleting more than this share of the calendar's linked events (default 0.2). */
  maxDeleteRatio?: number;
  /**
   * Deletions below this count never trip the guard (default 5): deleting 2 of 6 events is a user's
   * Tuesday, not a wipe. From this count on, any high-priority deletion also trips it ("in bulk").
   */
  bulkDeletes?: number;
  /** The user confirmed the deletions (`sync --force`): skip the mass-delete guard. */
  allowMassDelete?: boolean;
}

export const DEFAULT_GUARDS: Required<GuardOptions> = { maxDeleteRatio: 0.2, bulkDeletes: 5, allowMassDelete: false };

/** A full listing came back empty while the calendar has linked events: never read as "all deleted". */
export function checkStorageEmpty(listed: number, linked: number, calendarId: string): void {
  if (listed === 0 && linked > 0) {
    throw new CalsyncError('SYNC_STORAGE_EMPTY', `calendar ${calendarId} listed no events but ${linked} are linked; refusing to treat it as deleted`, {
      retryable: false,
      details: { calendarId, linked },
    });
  }
}

export interface DeletionCount {
  total: number;
  highPriority: number;
}

export function countDeletions(plan: readonly ItemPlan[]): DeletionCount {
  let total = 0;
  let highPriority = 0;
  for (const item of plan) {
    const deletion = item.actions.find(isDeletion);
    if (!deletion) continue;
    total += 1;
    const event = deletion.type === 'deleteHub' ? deletion.hub.event : item.input.hub?.event;
    if (event && isWeddingCritical(event)) highPriority += 1;
  }
  return { total, highPriority };
}

/** Why `count` deletions are too many for a calendar with `linked` links, or undefined when they are not. */
function excess(count: DeletionCount, linked: number, opts: Required<GuardOptions>): string | undefined {
  if (opts.allowMassDelete || count.total < opts.bulkDeletes) return undefined;
  const ratio = linked === 0 ? 1 : count.total / linked;
  if (ratio <= opts.maxDeleteRatio && count.highPriority === 0) return undefined;
  return count.highPriority > 0 ? `${count.highPriority} high-priority events among ${count.total} deletions` : `${count.total} of ${linked} linked events (${Math.round(ratio * 100)} %)`;
}

/** Throws SYNC_MASS_DELETE when the plan deletes too much at once. */
export function checkMassDelete(plan: readonly ItemPlan[], linked: number, calendarId: string, options: GuardOptions = {}): void {
  const opts = { ...DEFAULT_GUARDS, ...options };
  const count = countDeletions(plan);
  const why = excess(count, linked, opts);
  if (why === undefined) return;
  throw new CalsyncError('SYNC_MASS_DELETE', `refusing to delete ${why} in calendar ${calendarId}`, {
    retryable: false,
    details: { calendarId, deletions: count.total, linked, highPriority: count.highPriority, maxDeleteRatio: opts.maxDeleteRatio },
  });
}

/**
 * One run's deletions, however they were planned. `admitPlan` is the whole-plan check; `admit` counts a
 * deletion that only a re-plan found (the calendar or the hub changed under a write) against the same
 * limits — such a deletion never slips past the guard: when it would trip it, it is refused (the
 * executor reports it and the next sync plans it again, in the open).
 */
export class DeletionBudget {
  private readonly opts: Required<GuardOptions>;
  private counted: DeletionCount = { total: 0, highPriority: 0 };

  constructor(
    private readonly linked: number,
    private readonly calendarId: string,
    options: GuardOptions = {},
  ) {
    this.opts = { ...DEFAULT_GUARDS, ...options };
  }

  /** Throws SYNC_MASS_DELETE when the plan deletes too much; otherwise its deletions are counted. */
  admitPlan(plan: readonly ItemPlan[]): void {
    checkMassDelete(plan, this.linked, this.calendarId, this.opts);
    this.counted = countDeletions(plan);
  }

  /**
   * Counts the deletion of a re-planned item: undefined when the run's deletions, this one included,
   * stay within the limits; else why not (and it is not counted).
   */
  admit(item: ItemPlan): string | undefined {
    const extra = countDeletions([item]);
    if (extra.total === 0) return undefined;
    const next = { total: this.counted.total + extra.total, highPriority: this.counted.highPriority + extra.highPriority };
    const why = excess(next, this.linked, this.opts);
    if (why !== undefined) return why;
    this.counted = next;
    return undefined;
  }
}
