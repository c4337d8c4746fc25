/**
 * What a sync can do to one item: a closed set of actions the planner emits and the executor applies.
 * Each action carries everything its execution needs (the etags it writes against, the versions it
 * expects), so a plan can be printed (`--dry-run`), asserted on in tests, and executed without reading
 * anything again.
 */
import type { CalendarEvent, HubEvent } from '../model/event.js';
import type { RemoteItem } from '../providers/types.js';
import type { ConflictRecord, ConflictRepo, Link } from '../store/types.js';

/** A resolution as the store records it. */
export type Resolution = NonNullable<ConflictRecord['resolution']>;

/** The conflict as it is recorded (the store's `conflicts.record` input). */
export type ConflictDraft = Parameters<ConflictRepo['record']>[1];

export type SyncAction =
  /**
   * Hub event not yet in this calendar: create it there (deterministic UID), then link. `mirror`: an
   * export-only calendar, whose lossy copy is never taken back into the hub (see `apply.ts`).
   */
  | { type: 'createRemote'; hub: HubEvent; mirror?: true }
  /** Calendar item not yet in the hub: create the hub event, then link. */
  | { type: 'createHub'; remote: RemoteItem; event: CalendarEvent }
  /** Both sides already hold the same event (match before create, or a crash before linking): link. */
  | { type: 'link'; hub: HubEvent; remote: RemoteItem }
  /** Write `event` to the calendar (If-Match `remote.etag`); the hub already holds it. `mirror`: as above. */
  | { type: 'pushToRemote'; hub: HubEvent; remote: RemoteItem; link?: Link; event: CalendarEvent; mirror?: true }
  /** Write `event` to the hub (restoring a tombstone if need be); the calendar already holds it. */
  | { type: 'pullToHub'; hub: HubEvent; remote: RemoteItem; link?: Link; event: CalendarEvent }
  /** Both sides changed different fields (or a conflict was resolved): write `event` to both. */
  | { type: 'mergeBoth'; hub: HubEvent; remote: RemoteItem; link?: Link; event: CalendarEvent }
  /** Deleted in the hub: delete the calendar's copy, then the link. */
  | { type: 'deleteRemote'; remote: RemoteItem; link?: Link; hubEventId: string; title: string }
  /** Deleted in the calendar: tombstone the hub event, then drop the link. */
  | { type: 'deleteHub'; hub: HubEvent; link: Link }
  /** Gone on both sides (or the calendar copy must be recreated): drop the link. */
  | { type: 'unlink'; link: Link; reason: string }
  /** Nothing to write but the link's etag/base moved (our own write echoing back, equal edits). */
  | { type: 'refreshLink'; link: Link; remote: RemoteItem; echo: boolean }
  /** A conflict no rule may settle: record it; neither side is written. */
  | { type: 'recordConflict'; conflict: ConflictDraft; reason: string }
  /** A conflict settled (by a rule, a user, or because it became moot): record the resolution. */
  | { type: 'closeConflict'; conflict: ConflictDraft; existingId?: string; resolution: Resolution };

export type SyncActionType = SyncAction['type'];

function quote(title: string): string {
  return JSON.stringify(title.length > 60 ? `${title.slice(0, 57)}...` : title);
}

/** One line per action for logs and `--dry-run`. */
export function describe(action: SyncAction): string {
  switch (action.type) {
    case 'createRemote':
      return `create in calendar ${quote(action.hub.event.title)} (hub ${action.hub.id})`;
    case 'createHub':
      return `create in hub ${quote(action.event.title)} (from ${action.remote.remoteId})`;
    case 'link':
      return `link hub ${action.hub.id} ⇄ ${action.remote.remoteId} ${quote(action.hub.event.title)}`;
    case 'pushToRemote':
      return `update in calendar ${quote(action.event.title)} (${action.remote.remoteId})`;
    case 'pullToHub':
      return `${action.hub.deletedAt ? 'restore' : 'update'} in hub ${quote(action.event.title)} (hub ${action.hub.id})`;
    case 'mergeBoth':
      return `update both sides ${quote(action.event.title)} (hub ${action.hub.id}, ${action.remote.remoteId})`;
    case 'deleteRemote':
      return `delete in calendar ${quote(action.title)} (${action.remote.remoteId})`;
    case 'deleteHub':
      return `delete in hub ${quote(action.hub.event.title)} (hub ${action.hub.id})`;
    case 'unlink':
      return `unlink hub ${action.link.hubEventId} ⇄ ${action.link.remoteId} (${action.reason})`;
    case 'refreshLink':
      return `${action.echo ? 'skip echo of' : 'refresh link of'} ${action.remote.remoteId}`;
    case 'recordConflict':
      return `conflict ${action.conflict.type} on [${action.conflict.fields.join(', ')}] for hub ${action.conflict.hubEventId}: ${action.reason}`;
    case 'closeConflict':
      return `resolve conflict ${action.conflict.type} on [${action.conflict.fields.join(', ')}] for hub ${action.conflict.hubEventId} (${action.resolution.take} by ${action.resolution.by})`;
    default: {
      const never: never = action;
      return never;
    }
  }
}

/** Actions that delete an event on one side (what the mass-delete guard counts). */
export function isDeletion(action: SyncAction): action is Extract<SyncAction, { type: 'deleteRemote' | 'deleteHub' }> {
  return action.type === 'deleteRemote' || action.type === 'deleteHub';
}
