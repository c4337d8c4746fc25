/**
 * The calendar items a calendar's syncs wrote after its stored cursor was taken (`SyncState.written`).
 *
 * A cursor is read during observe, before our own writes. On servers whose CTag and sync-token are
 * content hashes (Radicale, Xandikos), another client undoing one of our writes (deleting the event we
 * just created, restoring the content we just replaced) brings the calendar back to exactly the stored
 * cursor: the next listing says "unchanged" (or its delta leaves the item out) and the change would never
 * be seen. So every write is remembered until a cursor taken after it is stored, and the next observe
 * re-reads those items whatever the listing says (`observe.ts`).
 *
 * Intents are recorded before execution (by remote id, or by hub event for a create whose remote id the
 * provider picks), so a run that aborts or crashes after writing still has them; after execution they
 * are completed with the etag saved on each link, so an unchanged item costs no planning.
 */
import { isCalsyncError } from '../errors.js';
import type { Store, WrittenItem, WrittenSinceCursor } from '../store/types.js';
import type { SyncAction } from './actions.js';
import type { ItemPlan } from './plan.js';
import { mergeSent, sentHash } from './sent.js';

/** Beyond this many, the next sync lists the whole calendar instead (its delta would be as large). */
export const MAX_WRITTEN = 1_000;

/** A create's intent: by hub event, with (a short hash of) what it sends — see sent.ts. */
function createIntent(action: Extract<SyncAction, { type: 'createRemote' }>): WrittenItem {
  return { hubEventId: action.hub.id, sent: [sentHash(action.hub.event)] };
}

/** The calendar writes an action makes, as far as they are known before it runs. */
function intentOf(action: SyncAction): WrittenItem | undefined {
  switch (action.type) {
    case 'createRemote':
      return createIntent(action);
    case 'pushToRemote':
    case 'mergeBoth':
    case 'deleteRemote':
      return { remoteId: action.remote.remoteId };
    default:
      return undefined;
  }
}

/**
 * The entries saved before a run executes: its creates marked `pending` until the run completes and
 * saves them again (a crash leaves them pending: see `WrittenItem.pending`).
 */
export function asPending(items: readonly WrittenItem[]): WrittenItem[] {
  return items.map((w) => (w.hubEventId !== undefined && w.remoteId === undefined && w.sent !== undefined ? { ...w, pending: true as const } : w));
}

/** The calendar writes a plan intends. */
export function intentsOf(plan: readonly ItemPlan[]): WrittenItem[] {
  return plan.flatMap((item) => item.actions.flatMap((a) => intentOf(a) ?? []));
}

function keyOf(item: WrittenItem): string {
  return item.remoteId !== undefined ? `r:${item.remoteId}` : `h:${item.hubEventId ?? ''}`;
}

/** `a` then `b` (later entries win), one entry per item; capped (see `MAX_WRITTEN`). Undefined when empty. */
export function mergeWritten(a: WrittenSinceCursor | undefined, b: readonly WrittenItem[]): WrittenSinceCursor | undefined {
  if (a?.full === true) return { items: [], full: true };
  const byKey = new Map<string, WrittenItem>();
  for (const item of [...(a?.items ?? []), ...b]) {
    const key = keyOf(item);
    // What earlier creates of the item sent stays known (any of them may be the one that landed).
    const earlier = byKey.get(key);
    const sent = mergeSent(earlier?.sent, item.sent);
    byKey.delete(key);
    // A create that may have landed stays so until the item is linked (then its entry is by remote id).
    // `pending` is the later entry's alone: a completed run's entry replaces its own pre-run one.
    byKey.set(key, { ...item, ...(sent ? { sent } : {}), ...(earlier?.unsure || item.unsure || earlier?.pending ? { unsure: true as const } : {}) });
  }
  if (byKey.size > MAX_WRITTEN) return { items: [], full: true };
  return byKey.size === 0 ? undefined : { items: [...byKey.values()] };
}

/**
 * The calendar items actions reconcile the hub with (imported, linked, pulled, deleted, recorded in a
 * conflict…). Needed whenever a run cannot move the cursor after applying some of them (a blocking item
 * error, a crash): the hub then reflects the listing, which is newer than the stored cursor, so a change
 * that brings one of these items back to its state at the cursor (an imported event deleted again) would
 * be hidden by a content-hash cursor exactly like an undone write of ours.
 */
export function touchedBy(applied: readonly SyncAction[]): WrittenItem[] {
  return applied.flatMap((a): WrittenItem[] => {
    switch (a.type) {
      case 'createHub':
      case 'link':
      case 'pullToHub':
      case 'pushToRemote':
      case 'mergeBoth':
      case 'refreshLink':
      case 'deleteRemote':
        return [{ remoteId: a.remote.remoteId }];
      case 'deleteHub':
      case 'unlink':
        return [{ remoteId: a.link.remoteId }];
      case 'createRemote':
        return [createIntent(a)];
      case 'recordConflict':
      case 'closeConflict':
        return [{ hubEventId: a.conflict.hubEventId }];
      default: {
        const never: never = a;
        return never;
      }
    }
  });
}

/**
 * `written` without the items a sync found undone and planned from (`Observation.settled`): what the
 * calendar holds of them now is what the hub was reconciled with, so the stored cursor no longer hides
 * anything about them. Entries by hub event stay (their remote id was not known when rechecked).
 */
export function unsettled(written: WrittenSinceCursor | undefined, settled: readonly string[]): WrittenSinceCursor | undefined {
  if (!written || settled.length === 0) return written;
  const done = new Set(settled);
  return { ...written, items: written.items.filter((w) => w.remoteId === undefined || !done.has(w.remoteId)) };
}

/**
 * What a run wrote to the calendar: each applied write by remote id with the etag now saved on its link
 * (a deletion, or a write whose link is gone, without one: it is simply re-read), and the intents of
 * writes that did not complete (they may have landed anyway).
 */
/**
 * Whether a failed request may still have been applied: the connection dropped (before or after the
 * server acted: the client cannot tell), the answer timed out, the server failed mid-way (500, 502,
 * 504). A refusal — a 4xx, throttling, a 503 (the server did not take the request on), an open circuit
 * that sent nothing — leaves nothing behind.
 */
export function mayHaveApplied(err: unknown): boolean {
  if (!isCalsyncError(err) || (err.code !== 'PROVIDER_UNAVAILABLE' && err.code !== 'PROVIDER_TIMEOUT')) return false;
  // `sent: false`: a request before the write failed (the Graph provider's UID lookup).
  return err.details?.['status'] !== 503 && err.details?.['sent'] !== false;
}

/** The hub events whose create failed so that it may have landed anyway (see `WrittenItem.unsure`). */
export function unsureCreates(errors: readonly { actionType?: SyncAction['type']; mayHaveApplied?: boolean; hubEventId?: string }[]): Set<string> {
  return new Set(errors.flatMap((e) => (e.actionType === 'createRemote' && e.mayHaveApplied === true && e.hubEventId !== undefined ? [e.hubEventId] : [])));
}

export async function writtenAfter(
  store: Store,
  tenantId: string,
  calendarId: string,
  intents: readonly WrittenItem[],
  applied: readonly SyncAction[],
  unsure: ReadonlySet<string> = new Set(),
): Promise<WrittenItem[]> {
  const deleted = new Set<string>();
  const hubIds = new Set<string>();
  for (const action of applied) {
    if (action.type === 'deleteRemote') deleted.add(action.remote.remoteId);
    else if (action.type === 'createRemote' || action.type === 'pushToRemote' || action.type === 'mergeBoth') hubIds.add(action.hub.id);
  }
  const written: WrittenItem[] = [];
  const linkedHubIds = new Set<string>();
  if (hubIds.size > 0) {
    // Few writes: one lookup each; many (an export): the calendar's links at once.
    const links =
      hubIds.size <= 50
        ? (await Promise.all([...hubIds].map((id) => store.links.getByHubEvent(tenantId, calendarId, id)))).flatMap((l) => l ?? [])
        : (await store.links.listByCalendar(tenantId, calendarId)).filter((l) => hubIds.has(l.hubEventId));
    for (const link of links) {
      written.push({ remoteId: link.remoteId, etag: link.etag });
      linkedHubIds.add(link.hubEventId);
    }
  }
  for (const remoteId of deleted) written.push({ remoteId });
  // A create's intent is now known by its remote id; the other intents come first, so what the run
  // saved on the links wins over them.
  const pending = intents
    .filter((w) => w.hubEventId === undefined || !linkedHubIds.has(w.hubEventId))
    .map((w): WrittenItem => (w.hubEventId !== undefined && w.remoteId === undefined && unsure.has(w.hubEventId) ? { ...w, unsure: true } : w));
  return [...pending, ...written];
}

/**
 * Adds calendar writes made outside a sync (a conflict resolution) to the calendar's sync state,
 * compare-and-set on its cursor and written items (retried when a sync saved meanwhile).
 */
export async function rememberWrites(store: Store, tenantId: string, calendarId: string, intents: readonly WrittenItem[], applied: readonly SyncAction[]): Promise<void> {
  const items = await writtenAfter(store, tenantId, calendarId, intents, applied);
  if (items.length === 0) return;
  for (let attempt = 0; ; attempt += 1) {
    const state = await store.syncState.get(tenantId, calendarId);
    const written = mergeWritten(state.written, items);
    try {
      // Compare-and-set on `written` too: a sync that saved meanwhile with the same cursor added its own.
      await store.syncState.set(tenantId, { ...state, ...(written ? { written } : {}) }, { expectedCursor: state.cursor ?? null, expectedWritten: state.written ?? null });
      return;
    } catch (err) {
      if (attempt >= 2 || !isCalsyncError(err) || err.code !== 'STORE_CONFLICT') throw err;
    }
  }
}
