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

/** Throws SYNC_MASS_DELETE when the plan deletes too much at once. */
export function checkMassDelete(plan: readonly ItemPlan[], linked: number, calendarId: string, options: GuardOptions = {}): void {
  const opts = { ...DEFAULT_GUARDS, ...options };
  if (opts.allowMassDelete) return;
  const { total, highPriority } = countDeletions(plan);
  if (total < opts.bulkDeletes) return;
  const ratio = linked === 0 ? 1 : total / linked;
  if (ratio > opts.maxDeleteRatio || highPriority > 0) {
    const why = highPriority > 0 ? `${highPriority} high-priority events among ${total} deletions` : `${total} of ${linked} linked events (${Math.round(ratio * 100)} %)`;
    throw new CalsyncError('SYNC_MASS_DELETE', `refusing to delete ${why} in calendar ${calendarId}`, {
      retryable: false,
      details: { calendarId, deletions: total, linked, highPriority, maxDeleteRatio: opts.maxDeleteRatio },
    });
  }
}
