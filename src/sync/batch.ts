/**
 * Batched creates for first syncs: new calendar items become hub events and links in two multi-row
 * writes per batch (`putMany` + `createMany`, in one transaction), new hub events are created in the
 * calendar one request each but linked in one multi-row write. Whatever a batch cannot do is handed
 * back to be run one item at a time, where errors are reported per item and 412/409s re-planned.
 *
 * Crash safety is the same as one by one: a hub event or calendar item without its link is matched (by
 * UID / our stamped hub id) and linked on the next run instead of being created twice.
 */
import { isCalsyncError } from '../errors.js';
import type { CalendarEvent, HubEvent } from '../model/event.js';
import { canonicalWithHash } from '../model/hash.js';
import type { RemoteItem } from '../providers/types.js';
import type { SyncAction } from './actions.js';
import { abortsRun, baseAfterWrite, createdThenGone, goneAfterWrite, StoreAbort, viaStore, type ApplyContext } from './apply.js';
import type { ItemPlan } from './plan.js';

type Done = (action: SyncAction, hub: HubEvent | undefined) => void;
type Fail = (action: SyncAction, err: unknown) => void;
type Of<T extends SyncAction['type']> = Extract<SyncAction, { type: T }>;

/** An item whose plan is exactly one action of this type. */
export function isLoneAction(item: ItemPlan, type: SyncAction['type']): boolean {
  return item.actions.length === 1 && item.actions[0]?.type === type;
}

function only<T extends SyncAction['type']>(item: ItemPlan, type: T): Of<T> {
  const action = item.actions[0];
  if (action?.type !== type) throw new Error(`expected a lone ${type} action`);
  return action as Of<T>;
}

/** Values equal by reference, or plain objects whose members are (one level down: a re-made `wedding`). */
function sameMember(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) || Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && (a as Record<string, unknown>)[k] === (b as Record<string, unknown>)[k]);
}

/**
 * The imported event is, nearly always, the calendar's event with its wedding fields re-derived to the
 * same values (`fromRemote`): then hub event and link base have one canonical text, serialized and
 * hashed once for both.
 */
function sameEvent(a: CalendarEvent, b: CalendarEvent): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && sameMember((a as unknown as Record<string, unknown>)[k], (b as unknown as Record<string, unknown>)[k]));
}

/** Hub events and links for new calendar items. Returns the items to run one by one (all, on failure). */
export async function importBatch(c: ApplyContext, batch: readonly ItemPlan[], done: Done): Promise<ItemPlan[]> {
  const actions = batch.map((i) => only(i, 'createHub'));
  try {
    const shared = actions.map((a) => (sameEvent(a.event, a.remote.event) ? canonicalWithHash(a.event) : undefined));
    // Hub events and their links in one transaction: one commit per batch instead of two (SQLite writes
    // the index pages both touch to the WAL once), and a batch whose links fail leaves no unlinked hub
    // events behind. The calls go through `c.store` (they join the transaction) so wrappers still see them.
    const hubs = await viaStore(() =>
      c.store.transaction(async () => {
        const inputs = actions.map((a, n) => {
          const canonical = shared[n];
          return canonical ? { event: a.event, source: c.source, canonical } : { event: a.event, source: c.source };
        });
        const written = await c.store.events.putMany(c.tenantId, inputs);
        const links = actions.map((a, n) => {
          const link = { hubEventId: written[n]?.id ?? '', calendarId: c.calendarId, remoteId: a.remote.remoteId, etag: a.remote.etag, base: a.remote.event };
          const canonical = shared[n];
          return canonical ? { ...link, baseCanonical: canonical } : link;
        });
        await c.store.links.createMany(c.tenantId, links);
        return written;
      }),
    );
    actions.forEach((a, n) => done(a, hubs[n]));
    return [];
  } catch (err) {
    if (err instanceof StoreAbort) throw err.original;
    return [...batch]; // one bad item (a UID already in the hub…): the one-by-one path names it
  }
}

/** Calendar items for new hub events, linked in one write. Returns the items to run one by one. */
export async function exportBatch(c: ApplyContext, batch: readonly ItemPlan[], done: Done, fail: Fail): Promise<ItemPlan[]> {
  const created: { item: ItemPlan; action: Of<'createRemote'>; remote: RemoteItem }[] = [];
  const singles: ItemPlan[] = [];
  // As many requests in flight as the provider allows (Outlook: 4 per mailbox), in waves.
  const width = Math.max(1, c.provider.capabilities.maxConcurrency);
  for (let i = 0; i < batch.length; i += width) {
    const wave = batch.slice(i, i + width).map((item) => ({ item, action: only(item, 'createRemote') }));
    const results = await Promise.allSettled(wave.map(({ action }) => c.provider.create(c.remoteCalendarId, action.hub.event, { hubId: action.hub.id })));
    results.forEach((r, n) => {
      const { item, action } = wave[n] as (typeof wave)[number];
      const gone = r.status === 'rejected' ? goneAfterWrite(r.reason) : undefined;
      if (r.status === 'fulfilled') created.push({ item, action, remote: baseAfterWrite(r.value, action.hub.event) });
      // Created, then deleted by someone else before the read-back: linked to what we wrote, so the next
      // sync sees the deletion instead of creating the event again.
      else if (gone !== undefined) created.push({ item, action, remote: createdThenGone(gone, action.hub.event) });
      // A 409 (the item exists: a retried create) is matched on the one-by-one path; anything else is
      // reported now, not retried in the same run (a throttled server must not be hammered).
      else if (isCalsyncError(r.reason) && r.reason.code === 'PROVIDER_CONFLICT') singles.push(item);
      else if (!abortsRun(r.reason)) fail(action, r.reason);
    });
    const abort = results.find((r): r is PromiseRejectedResult => r.status === 'rejected' && abortsRun(r.reason));
    if (abort) {
      await linkCreated(c, created, done); // what was created is linked before the run stops
      throw abort.reason;
    }
  }
  return [...singles, ...(await linkCreated(c, created, done))];
}

/** Links calendar items just created, in one write; returns link items to retry singly if it failed. */
async function linkCreated(c: ApplyContext, created: { item: ItemPlan; action: Of<'createRemote'>; remote: RemoteItem }[], done: Done): Promise<ItemPlan[]> {
  const singles: ItemPlan[] = [];
  if (created.length === 0) return singles;
  try {
    const links = created.map(({ action, remote }) => ({ hubEventId: action.hub.id, calendarId: c.calendarId, remoteId: remote.remoteId, etag: remote.etag, base: remote.event }));
    await viaStore(() => c.store.links.createMany(c.tenantId, links));
    for (const { action } of created) done(action, undefined);
  } catch (err) {
    if (err instanceof StoreAbort) throw err.original;
    // The calendar items exist; link them one by one (the one that cannot be linked is reported).
    for (const { item, action, remote } of created) singles.push({ input: { ...item.input, remote }, actions: [{ type: 'link', hub: action.hub, remote }] });
  }
  return singles;
}
