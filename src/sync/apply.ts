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
 *
 * The base a write leaves on the link is only ever what we wrote or what we read under proof that nobody
 * else wrote in between (`WriteResult.ours`). A copy someone else changed after our write is never
 * adopted as base: the link keeps the event we wrote (with an etag that is not the calendar's), so the
 * next sync sees their version as the calendar's edit and merges it.
 *
 * Before an update the link records a write intent (the event about to be sent); the link save after the
 * write clears it. An intent still set on a later sync means the write may have landed without its link
 * save (a crash, a lost response): `plan.ts` then recognises the calendar copy equal to it as our own.
 *
 * What the calendar cannot represent settles instead of looping: when a write is provably ours but the
 * calendar stores something else (Outlook cannot restore a cancelled occurrence), the hub takes the
 * calendar's version of the fields that differ, audited with the calendar as source. An export-only
 * calendar (`mirror`) is never taken back into the hub: a push it keeps refusing is stopped by the
 * planner's loop detector and recorded as a conflict instead.
 */
import { isCalsyncError, type ErrorCode } from '../errors.js';
import type { CalendarEvent, HubEvent } from '../model/event.js';
import type { CalendarProvider, RemoteItem, WriteResult } from '../providers/types.js';
import type { ChangeSource, LastPush, Link, Store } from '../store/types.js';
import type { SyncAction } from './actions.js';
import { changedFields, sameContent, withField } from './fields.js';

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
  /** Run first inside the transaction of every hub write with its link save (the sync's fence, `fence.ts`). */
  hold?: (tx: Store) => Promise<void>;
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

/**
 * The etag a link gets when the calendar's copy after our write is not provably ours and the write's
 * response carried none: it never equals a real etag, so the next sync reads the calendar's item again.
 */
export const UNPROVEN_ETAG = 'calsync:unproven-write';

/** What the link keeps after a write: the server's copy when provably ours, else the event we sent. */
export function baseAfterWrite(result: WriteResult, sent: CalendarEvent): RemoteItem {
  if (result.ours) return result.item;
  const { remoteId, hubId } = result.item;
  return { remoteId, etag: result.writtenEtag === '' ? UNPROVEN_ETAG : result.writtenEtag, event: sent, ...(hubId === undefined ? {} : { hubId }) };
}

/**
 * The remote id of a write the server applied whose read-back failed (`details.written`): the item was
 * gone by then (someone deleted it) or could not be read (a fault). Else undefined.
 */
export function goneAfterWrite(err: unknown): string | undefined {
  const remoteId = isCalsyncError(err) && err.details?.['written'] === true ? err.details['remoteId'] : undefined;
  return typeof remoteId === 'string' ? remoteId : undefined;
}

/** What the link of a create keeps when its item was deleted before the read-back: what we wrote. */
export function createdThenGone(remoteId: string, sent: CalendarEvent): RemoteItem {
  return { remoteId, etag: UNPROVEN_ETAG, event: sent };
}

/** A create, or the remote id of what it created when the item was gone by its read-back. */
async function createOrGone(c: ApplyContext, hub: HubEvent): Promise<WriteResult | { gone: string }> {
  try {
    return await c.provider.create(c.remoteCalendarId, hub.event, { hubId: hub.id });
  } catch (err) {
    const gone = goneAfterWrite(err);
    if (gone !== undefined) return { gone };
    throw err;
  }
}

interface LinkSave {
  lastPush?: LastPush;
}

async function saveLink(c: ApplyContext, link: Link | undefined, hubEventId: string, remote: RemoteItem, extra: LinkSave = {}): Promise<void> {
  const patch = { remoteId: remote.remoteId, etag: remote.etag, base: remote.event, ...(extra.lastPush ? { lastPush: extra.lastPush } : {}) };
  if (link) await viaStore(() => c.store.links.update(c.tenantId, link.id, link.etag, patch));
  else await viaStore(() => c.store.links.create(c.tenantId, { hubEventId, calendarId: c.calendarId, ...patch }));
}

/**
 * The loop detector's count: one more when the hub is at the version our last push left it and the
 * calendar's copy is the one that push left (nothing moved, yet we push again), else a first push.
 */
function nextPush(link: Link | undefined, hubVersionBefore: number, remoteEtagBefore: string, hubVersionAfter: number, etagAfter: string): LastPush {
  const last = link?.lastPush;
  const again = last !== undefined && last.hubVersion === hubVersionBefore && last.etag === remoteEtagBefore;
  return { hubVersion: hubVersionAfter, etag: etagAfter, count: again ? last.count + 1 : 1 };
}

/** Records what is about to be sent on the link (compare-and-set), so a lost link save is recognised. */
async function recordIntent(c: ApplyContext, link: Link | undefined, remote: RemoteItem, body: CalendarEvent, hub: HubEvent): Promise<Link | undefined> {
  if (!link) return undefined;
  return viaStore(() => c.store.links.setWriteIntent(c.tenantId, link.id, link.etag, { event: body, etag: remote.etag, hub: hub.event }));
}

/**
 * The hub write and the link save of one action, in one transaction: a crash between them would leave
 * the hub at the calendar's version with the link's base still the old one, and the calendar's next
 * edit of the same field would look like a conflict nobody made.
 */
async function hubAndLink(c: ApplyContext, write: (tx: ApplyContext) => Promise<HubEvent>, save: (tx: ApplyContext, written: HubEvent) => Promise<void>): Promise<HubEvent> {
  return viaStore(() =>
    c.store.transaction(async (store) => {
      await c.hold?.(store);
      const tx = { ...c, store };
      const written = await write(tx);
      await save(tx, written);
      return written;
    }),
  );
}

/**
 * An update of the calendar's item. When the server applied it but its read-back failed (the item was
 * deleted right after, or the reply was lost: `details.written`), the write is ours yet unproven: the
 * link keeps what we sent with an etag that matches nothing, so the next sync re-reads the item and
 * sees a deletion or an edit as the calendar's — as for a create (`createdThenGone`). Left unsaved, the
 * link would meet the calendar's normalised copy of our own write as an edit of every field it touched.
 */
async function writeRemote(c: ApplyContext, hub: HubEvent, remote: RemoteItem, body: CalendarEvent): Promise<WriteResult> {
  try {
    return await viaProvider(() => c.provider.update(c.remoteCalendarId, remote.remoteId, body, remote.etag, { hubId: hub.id }), remote.remoteId, remote.event.uid);
  } catch (err) {
    if (goneAfterWrite(err) !== remote.remoteId) throw err;
    return { item: { remoteId: remote.remoteId, etag: UNPROVEN_ETAG, event: body, ...(remote.hubId === undefined ? {} : { hubId: remote.hubId }) }, ours: false, writtenEtag: '' };
  }
}

async function writeHub(c: ApplyContext, hub: HubEvent, event: CalendarEvent): Promise<HubEvent> {
  return viaStore(() => c.store.events.put(c.tenantId, { id: hub.id, event, expectedVersion: hub.version, source: c.source }));
}

/**
 * The hub's event after a write that is provably ours: `event` with the calendar's version of every field
 * the calendar stored differently from what we sent — what it cannot represent, taken as it is there.
 * `event` itself when the calendar stored what we sent (or the copy is not ours: then it is an edit to
 * merge on the next sync, not a representation to adopt).
 */
function settled(event: CalendarEvent, result: WriteResult, sent: CalendarEvent, mirror = false): CalendarEvent {
  if (mirror || !result.ours || sameContent(result.item.event, sent)) return event;
  return changedFields(sent, result.item.event).reduce((next, field) => withField(next, field, result.item.event), event);
}

/** The calendar's UID is kept: an item is never re-keyed by an update. */
const bodyFor = (remote: RemoteItem, event: CalendarEvent): CalendarEvent => ({ ...event, uid: remote.event.uid });

/** Applies one action; returns the hub event as this action left it, when it wrote to the hub. */
export async function applyAction(c: ApplyContext, action: SyncAction): Promise<HubEvent | undefined> {
  switch (action.type) {
    case 'createRemote': {
      const { hub } = action;
      const result = await viaProvider(() => createOrGone(c, hub), undefined, hub.event.uid);
      if ('gone' in result) {
        // Created, but its read-back failed (gone: deleted by someone else; or a fault): the link keeps
        // what we wrote, so the next sync re-reads it and sees a deletion or an edit as the calendar's.
        await saveLink(c, undefined, hub.id, createdThenGone(result.gone, hub.event));
        return undefined;
      }
      const event = settled(hub.event, result, hub.event, action.mirror);
      const written = event === hub.event ? undefined : await writeHub(c, hub, event);
      await saveLink(c, undefined, hub.id, baseAfterWrite(result, hub.event));
      return written;
    }
    case 'createHub':
      return hubAndLink(
        c,
        (tx) => tx.store.events.put(c.tenantId, { event: action.event, source: c.source }),
        (tx, created) => saveLink(tx, undefined, created.id, action.remote),
      );
    case 'link':
      await saveLink(c, undefined, action.hub.id, action.remote);
      return undefined;
    case 'pushToRemote': {
      const { hub, remote } = action;
      const body = bodyFor(remote, action.event);
      const link = await recordIntent(c, action.link, remote, body, hub);
      const result = await writeRemote(c, hub, remote, body);
      const event = settled(hub.event, result, body, action.mirror);
      const written = event === hub.event ? undefined : await writeHub(c, hub, event);
      const base = baseAfterWrite(result, body);
      await saveLink(c, link, hub.id, base, { lastPush: nextPush(link, hub.version, remote.etag, (written ?? hub).version, base.etag) });
      return written;
    }
    case 'pullToHub':
      return hubAndLink(
        c,
        (tx) => writeHub(tx, action.hub, action.event),
        (tx) => saveLink(tx, action.link, action.hub.id, action.remote),
      );
    case 'mergeBoth': {
      const { hub, remote } = action;
      const body = bodyFor(remote, action.event);
      const link = await recordIntent(c, action.link, remote, body, hub);
      const result = await writeRemote(c, hub, remote, body);
      const base = baseAfterWrite(result, body);
      return hubAndLink(
        c,
        (tx) => writeHub(tx, hub, settled(action.event, result, body)),
        (tx, written) => saveLink(tx, link, hub.id, base, { lastPush: nextPush(link, hub.version, remote.etag, written.version, base.etag) }),
      );
    }
    case 'deleteRemote': {
      const { remote, link } = action;
      await viaProvider(() => c.provider.delete(c.remoteCalendarId, remote.remoteId, remote.etag), remote.remoteId, remote.event.uid);
      if (link) await viaStore(() => c.store.links.delete(c.tenantId, link.id, link.etag));
      return undefined;
    }
    case 'deleteHub':
      return hubAndLink(
        c,
        (tx) => tx.store.events.delete(c.tenantId, action.hub.id, { source: c.source, expectedVersion: action.hub.version }),
        (tx) => tx.store.links.delete(c.tenantId, action.link.id, action.link.etag),
      );
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
