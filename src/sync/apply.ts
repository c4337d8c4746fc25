/**
 * How each action is carried out. The order of writes inside an action is what makes a crash between
 * any two of them converge on the next run:
 * - the calendar is written before the link, and creates use a deterministic UID/resource name, so a
 *   create repeated after a crash meets PROVIDER_CONFLICT and is matched instead of duplicated;
 * - the hub is written before the link, so a half-done pull is seen again (the cursor was not advanced)
 *   and finishes as "both sides equal, link them";
 * - every link write is compare-and-set on the etag it read.
 * A write that meets a newer remote version (412, 404, 409) raises `Replan`: the executor re-reads the
 * item and plans it again rather than overwriting what it did not see.
 */
import { isCalsyncError, type ErrorCode } from '../errors.js';
import type { CalendarEvent, HubEvent } from '../model/event.js';
import type { CalendarProvider, RemoteItem } from '../providers/types.js';
import type { ChangeSource, Link, Store } from '../store/types.js';
import type { SyncAction } from './actions.js';

/** The calendar changed under a write: re-read and re-plan the item. */
export class Replan extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly remoteId: string | undefined,
    readonly uid: string,
  ) {
    super(`the calendar changed under the write (${code})`);
  }
}

/** A store failure: the run stops (the state store is the one thing we cannot work around). */
export class StoreAbort extends Error {
  constructor(readonly original: unknown) {
    super(`store failure: ${original instanceof Error ? original.message : String(original)}`, { cause: original });
  }
}

export interface ApplyContext {
  store: Store;
  provider: CalendarProvider;
  tenantId: string;
  calendarId: string;
  /** The calendar's provider id. */
  remoteCalendarId: string;
  source: ChangeSource;
}

/** Provider failures that no other item would escape either: the run stops. */
const ABORT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['PROVIDER_AUTH', 'PROVIDER_CIRCUIT_OPEN']);

export function abortsRun(err: unknown): boolean {
  return err instanceof StoreAbort || (isCalsyncError(err) && ABORT_CODES.has(err.code));
}

/** Store calls: a lost compare-and-set is the item's problem; anything else aborts the run. */
export async function viaStore<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isCalsyncError(err) && (err.code === 'STORE_CONFLICT' || err.code === 'STORE_NOT_FOUND')) throw err;
    throw new StoreAbort(err);
  }
}

const REPLAN_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['PROVIDER_PRECONDITION_FAILED', 'PROVIDER_NOT_FOUND', 'PROVIDER_CONFLICT']);

async function viaProvider<T>(fn: () => Promise<T>, remoteId: string | undefined, uid: string): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isCalsyncError(err) && REPLAN_CODES.has(err.code)) throw new Replan(err.code, remoteId, uid);
    throw err;
  }
}

async function saveLink(c: ApplyContext, link: Link | undefined, hubEventId: string, remote: RemoteItem): Promise<void> {
  if (link) await viaStore(() => c.store.links.update(c.tenantId, link.id, link.etag, { remoteId: remote.remoteId, etag: remote.etag, base: remote.event }));
  else await viaStore(() => c.store.links.create(c.tenantId, { hubEventId, calendarId: c.calendarId, remoteId: remote.remoteId, etag: remote.etag, base: remote.event }));
}

async function writeRemote(c: ApplyContext, hub: HubEvent, remote: RemoteItem, event: CalendarEvent): Promise<RemoteItem> {
  // The calendar's UID is kept: an item is never re-keyed by an update.
  const body = { ...event, uid: remote.event.uid };
  return viaProvider(() => c.provider.update(c.remoteCalendarId, remote.remoteId, body, remote.etag, { hubId: hub.id }), remote.remoteId, remote.event.uid);
}

async function writeHub(c: ApplyContext, hub: HubEvent, event: CalendarEvent): Promise<HubEvent> {
  return viaStore(() => c.store.events.put(c.tenantId, { id: hub.id, event, expectedVersion: hub.version, source: c.source }));
}

/** Applies one action; returns the hub event as this action left it, when it wrote to the hub. */
export async function applyAction(c: ApplyContext, action: SyncAction): Promise<HubEvent | undefined> {
  switch (action.type) {
    case 'createRemote': {
      const { hub } = action;
      const created = await viaProvider(() => c.provider.create(c.remoteCalendarId, hub.event, { hubId: hub.id }), undefined, hub.event.uid);
      await saveLink(c, undefined, hub.id, created);
      return undefined;
    }
    case 'createHub': {
      const hub = await viaStore(() => c.store.events.put(c.tenantId, { event: action.event, source: c.source }));
      await saveLink(c, undefined, hub.id, action.remote);
      return hub;
    }
    case 'link':
      await saveLink(c, undefined, action.hub.id, action.remote);
      return undefined;
    case 'pushToRemote': {
      const stored = await writeRemote(c, action.hub, action.remote, action.event);
      await saveLink(c, action.link, action.hub.id, stored);
      return undefined;
    }
    case 'pullToHub': {
      const written = await writeHub(c, action.hub, action.event);
      await saveLink(c, action.link, action.hub.id, action.remote);
      return written;
    }
    case 'mergeBoth': {
      const stored = await writeRemote(c, action.hub, action.remote, action.event);
      const written = await writeHub(c, action.hub, action.event);
      await saveLink(c, action.link, action.hub.id, stored);
      return written;
    }
    case 'deleteRemote': {
      const { remote, link } = action;
      await viaProvider(() => c.provider.delete(c.remoteCalendarId, remote.remoteId, remote.etag), remote.remoteId, remote.event.uid);
      if (link) await viaStore(() => c.store.links.delete(c.tenantId, link.id, link.etag));
      return undefined;
    }
    case 'deleteHub': {
      const tombstone = await viaStore(() => c.store.events.delete(c.tenantId, action.hub.id, { source: c.source, expectedVersion: action.hub.version }));
      await viaStore(() => c.store.links.delete(c.tenantId, action.link.id, action.link.etag));
      return tombstone;
    }
    case 'unlink':
      await viaStore(() => c.store.links.delete(c.tenantId, action.link.id, action.link.etag));
      return undefined;
    case 'refreshLink':
      await saveLink(c, action.link, action.link.hubEventId, action.remote);
      return undefined;
    case 'recordConflict':
      await viaStore(() => c.store.conflicts.record(c.tenantId, action.conflict));
      return undefined;
    case 'closeConflict': {
      const { conflict } = action;
      // The conflict recorded earlier in this item (its id was not known when planning), or a new record.
      const open = action.existingId === undefined ? await viaStore(() => c.store.conflicts.openFor(c.tenantId, c.calendarId, conflict.hubEventId)) : undefined;
      const id = action.existingId ?? open?.id ?? (await viaStore(() => c.store.conflicts.record(c.tenantId, conflict))).id;
      await viaStore(() => c.store.conflicts.resolve(c.tenantId, id, action.resolution));
      return undefined;
    }
    default: {
      const never: never = action;
      return never;
    }
  }
}
