/** The counts a sync report carries, derived from the actions applied (or planned, for a dry run). */
import type { SyncAction } from './actions.js';

export interface SideCounts {
  created: number;
  updated: number;
  deleted: number;
}

export interface SyncCounts {
  hub: SideCounts;
  remote: SideCounts;
  /** Pairs linked without writing (matched on a first sync, or after a crash). */
  linked: number;
  unlinked: number;
  /** Our own writes (or no-op edits) coming back, recognised and skipped. */
  echoes: number;
  conflicts: { recorded: number; resolved: number };
}

export function emptyCounts(): SyncCounts {
  return {
    hub: { created: 0, updated: 0, deleted: 0 },
    remote: { created: 0, updated: 0, deleted: 0 },
    linked: 0,
    unlinked: 0,
    echoes: 0,
    conflicts: { recorded: 0, resolved: 0 },
  };
}

export function countActions(actions: readonly SyncAction[]): SyncCounts {
  const c = emptyCounts();
  for (const a of actions) {
    switch (a.type) {
      case 'createRemote':
        c.remote.created += 1;
        break;
      case 'createHub':
        c.hub.created += 1;
        break;
      case 'link':
        c.linked += 1;
        break;
      case 'pushToRemote':
        c.remote.updated += 1;
        break;
      case 'pullToHub':
        c.hub.updated += 1;
        break;
      case 'mergeBoth':
        c.hub.updated += 1;
        c.remote.updated += 1;
        break;
      case 'deleteRemote':
        c.remote.deleted += 1;
        break;
      case 'deleteHub':
        c.hub.deleted += 1;
        break;
      case 'unlink':
        c.unlinked += 1;
        break;
      case 'refreshLink':
        if (a.echo) c.echoes += 1;
        break;
      case 'recordConflict':
        c.conflicts.recorded += 1;
        break;
      case 'closeConflict':
        c.conflicts.resolved += 1;
        break;
      default: {
        const never: never = a;
        return never;
      }
    }
  }
  return c;
}
