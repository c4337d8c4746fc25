/**
 * What the live-status channel carries: the sync statuses of `runCalendarSync`, enriched with the
 * integration and running counts, plus conflict and health changes. Every event names its tenant; the
 * WebSocket forwards an event only to connections authenticated for that tenant.
 */
import type { SyncReport } from '../../sync/engine.js';

/** Running counts of a sync in progress, taken from the operations the engine reports. */
export interface ProgressCounts {
  processed: number;
  total: number;
  created: number;
  updated: number;
  deleted: number;
}

interface Scoped {
  tenantId: string;
  /** Absent only when the calendar was unknown (a failed sync of a deleted calendar). */
  integrationId?: string;
  calendarId: string;
  /** Epoch ms when the event was published. */
  at: number;
}

export type SyncStatusEvent =
  | (Scoped & { type: 'started' })
  | (Scoped & { type: 'in_progress'; phase: string; counts: ProgressCounts; operation?: string })
  | (Scoped & { type: 'completed'; summary: SyncSummary })
  | (Scoped & { type: 'failed'; error: string; code?: string });

/** The part of a `SyncReport` worth broadcasting (no plan lines, no per-item details). */
export interface SyncSummary {
  hub: SyncReport['hub'];
  remote: SyncReport['remote'];
  conflicts: SyncReport['conflicts'];
  errors: number;
  durationMs: number;
  listing?: SyncReport['listing'];
}

export interface ConflictEvent extends Scoped {
  type: 'conflict.recorded' | 'conflict.resolved';
  /** The conflict's id when one conflict is meant; absent when a sync reports only how many. */
  conflictId?: string;
  hubEventId?: string;
  count: number;
}

export interface HealthChangedEvent {
  type: 'health.changed';
  tenantId: string;
  integrationId: string;
  at: number;
  healthy: boolean;
  reasons: string[];
}

export type StatusEvent = SyncStatusEvent | ConflictEvent | HealthChangedEvent;

export function summarize(report: SyncReport): SyncSummary {
  return {
    hub: report.hub,
    remote: report.remote,
    conflicts: report.conflicts,
    errors: report.errors.length,
    durationMs: report.durationMs,
    ...(report.listing ? { listing: report.listing } : {}),
  };
}
