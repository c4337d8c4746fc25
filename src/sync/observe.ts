/**
 * Observe: all the I/O before planning. Ask the calendar what changed since our cursor, read the hub
 * events changed since our hub seq, and load only the links, hub events and open conflicts those
 * changes touch — so an incremental sync costs in proportion to the changes, not to the calendar.
 * A `full` listing is the exception: deletions are whatever is missing from it, so every link is read.
 *
 * Two things the listing alone cannot be trusted with:
 * - Our own writes since the cursor was taken (`SyncState.written`) are re-read whatever the listing
 *   says: on servers whose CTag / sync-token is a content hash (Radicale, Xandikos), another client
 *   undoing our write brings the calendar back to the stored cursor, and the listing says "unchanged".
 * - A linked item that exists but cannot be read is neither changed nor deleted: its hub event is kept
 *   out of the plan altogether (`held`), and the engine reports it as a blocking item error.
 */
import { isCalsyncError } from '../errors.js';
import type { HubEvent } from '../model/event.js';
import type { CalendarProvider, ChangeSet, ItemProblem, RemoteItem } from '../providers/types.js';
import type { CalendarRecord, ConflictRecord, Link, Store, SyncState, WrittenSinceCursor } from '../store/types.js';
import { checkStorageEmpty } from './guards.js';
import { ItemTable, matchUnlinked } from './match.js';
import type { ItemInput } from './plan.js';
import { sameContent } from './fields.js';
import { sentByCreate } from './sent.js';

const PAGE = 1_000;

export interface Observation {
  state: SyncState;
  listing: ChangeSet['kind'];
  /** The cursor to store once every change has been applied. */
  cursor: string;
  /** The hub seq to store once every change has been applied. */
  hubSeq: number;
  items: ItemInput[];
  linked: number;
  problems: ItemProblem[];
  /** Linked items that exist but cannot be read: kept out of the plan, reported, retried next sync. */
  held: HeldItem[];
  /**
   * Items of `state.written` found gone or no longer as we wrote them: our write was undone, and this
   * sync plans what is there now, so they need no re-reading once it succeeds.
   */
  settled: string[];
}

/** A linked calendar item we could not read: its hub event is neither exported nor deleted. */
export interface HeldItem {
  remoteId: string;
  hubEventId: string;
  /** What was wrong with it (the listing's or fetch's problem). */
  problem: ItemProblem;
}

async function listing(provider: CalendarProvider, remoteId: string, cursor: string | null, full: boolean): Promise<ChangeSet> {
  try {
    return await provider.listChanges(remoteId, full ? null : cursor, { full });
  } catch (err) {
    // An expired token is not a failure: start over with a full listing (deletions then show as absences).
    if (isCalsyncError(err) && err.code === 'PROVIDER_INVALID_SYNC_TOKEN' && !full) return provider.listChanges(remoteId, null, { full: true });
    throw err;
  }
}

async function hubChanges(store: Store, tenantId: string, since: number): Promise<{ events: HubEvent[]; seq: number }> {
  const events: HubEvent[] = [];
  let seq = since;
  for (;;) {
    const page = await store.events.changedSince(tenantId, seq, PAGE);
    events.push(...page);
    seq = page.at(-1)?.seq ?? seq;
    if (page.length < PAGE) return { events, seq };
  }
}

async function allHubEvents(store: Store, tenantId: string): Promise<HubEvent[]> {
  const all: HubEvent[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await store.events.list(tenantId, { includeDeleted: true, limit: PAGE, ...(after === undefined ? {} : { after }) });
    all.push(...page);
    after = page.at(-1)?.id;
    if (page.length < PAGE) return all;
  }
}

/**
 * The calendar's copy of an item the listing did not mention: as last agreed (the link's base), or as
 * last seen by an open conflict — the link is not moved while one is open, so its base is stale then.
 */
function unchangedRemote(link: Link, conflict: ConflictRecord | undefined): RemoteItem | undefined {
  if (conflict === undefined) return { remoteId: link.remoteId, etag: link.etag, event: link.base };
  // The calendar deleted it (edit vs delete, a held deletion of a wedding-critical event).
  if (conflict.type === 'edit_delete' || conflict.type === 'wedding_critical') return undefined;
  if (conflict.remote && conflict.remoteEtag !== undefined) return { remoteId: link.remoteId, etag: conflict.remoteEtag, event: conflict.remote };
  return { remoteId: link.remoteId, etag: link.etag, event: link.base };
}

/**
 * The items a PROVIDER_ITEM_UNREADABLE error names, each with what was wrong with it: `details.problems`
 * (CalDAV), else `details.remoteIds` / `details.remoteId` with the error's message. Undefined for any
 * other error.
 */
function unreadableOf(err: unknown): ItemProblem[] | undefined {
  if (!isCalsyncError(err) || err.code !== 'PROVIDER_ITEM_UNREADABLE') return undefined;
  const details = err.details ?? {};
  const named = new Map<string, ItemProblem>();
  const problems = details['problems'];
  if (Array.isArray(problems)) {
    for (const p of problems as Partial<ItemProblem>[]) {
      if (typeof p.remoteId === 'string') named.set(p.remoteId, { remoteId: p.remoteId, code: String(p.code ?? err.code), message: String(p.message ?? err.message) });
    }
  }
  const ids = Array.isArray(details['remoteIds']) ? (details['remoteIds'] as unknown[]) : [details['remoteId']];
  for (const id of ids) if (typeof id === 'string' && !named.has(id)) named.set(id, { remoteId: id, code: err.code, message: err.message });
  return [...named.values()];
}

/**
 * `provider.fetch` of items, some of which may be unreadable: those are set apart as problems (the
 * fetch throws PROVIDER_ITEM_UNREADABLE for them) and the rest is fetched again without them.
 */
async function fetchReadable(provider: CalendarProvider, calendarId: string, remoteIds: readonly string[]): Promise<{ items: RemoteItem[]; unreadable: ItemProblem[] }> {
  const unreadable: ItemProblem[] = [];
  let rest = [...remoteIds];
  while (rest.length > 0) {
    try {
      return { items: await provider.fetch(calendarId, rest), unreadable };
    } catch (err) {
      const named = unreadableOf(err);
      if (named === undefined) throw err;
      const message = err instanceof Error ? err.message : String(err);
      const bad = named.filter((p) => rest.includes(p.remoteId));
      if (bad.length > 0) {
        unreadable.push(...bad);
        const ids = new Set(bad.map((p) => p.remoteId));
        rest = rest.filter((id) => !ids.has(id));
        continue;
      }
      // The error does not say which: read them one by one.
      const [only] = rest;
      if (rest.length === 1 && only !== undefined) {
        unreadable.push({ remoteId: only, code: 'PROVIDER_ITEM_UNREADABLE', message });
        return { items: [], unreadable };
      }
      const items: RemoteItem[] = [];
      for (const id of rest) {
        const one = await fetchReadable(provider, calendarId, [id]);
        items.push(...one.items);
        unreadable.push(...one.unreadable);
      }
      return { items, unreadable };
    }
  }
  return { items: [], unreadable };
}

interface Recheck {
  changed: RemoteItem[];
  removed: string[];
  unreadable: ItemProblem[];
}

/**
 * Re-reads the items this calendar's syncs wrote after the stored cursor was taken and that the listing
 * did not mention: absent → removed; an etag other than the one saved on the link (or none saved) →
 * changed (the planner compares it with the link); unreadable → a problem.
 */
async function recheckWritten(
  store: Store,
  provider: CalendarProvider,
  tenantId: string,
  calendar: CalendarRecord,
  written: WrittenSinceCursor | undefined,
  mentioned: ReadonlySet<string>,
): Promise<Recheck> {
  const out: Recheck = { changed: [], removed: [], unreadable: [] };
  if (!written || written.items.length === 0) return out;
  // remote id → the etag saved after our last write of it (later entries are later writes).
  const expected = new Map<string, string | undefined>();
  for (const w of written.items) {
    const remoteId = w.remoteId ?? (w.hubEventId === undefined ? undefined : (await store.links.getByHubEvent(tenantId, calendar.id, w.hubEventId))?.remoteId);
    if (remoteId === undefined || mentioned.has(remoteId)) continue;
    expected.delete(remoteId);
    expected.set(remoteId, w.etag);
  }
  if (expected.size === 0) return out;
  const fetched = await fetchReadable(provider, calendar.remoteId, [...expected.keys()]);
  out.unreadable.push(...fetched.unreadable);
  const bad = new Set(fetched.unreadable.map((p) => p.remoteId));
  const byId = new Map(fetched.items.map((i) => [i.remoteId, i]));
  for (const [remoteId, etag] of expected) {
    if (bad.has(remoteId)) continue;
    const item = byId.get(remoteId);
    if (!item) out.removed.push(remoteId);
    else if (etag === undefined || item.etag !== etag) out.changed.push(item);
  }
  return out;
}

export async function observe(store: Store, provider: CalendarProvider, tenantId: string, calendar: CalendarRecord, opts: { full?: boolean; allowEmpty?: boolean } = {}): Promise<Observation> {
  const state = await store.syncState.get(tenantId, calendar.id);
  // Too many writes to re-read one by one: a full listing sees every one of them.
  const changes = await listing(provider, calendar.remoteId, state.cursor ?? null, opts.full === true || state.written?.full === true);
  const hub = await hubChanges(store, tenantId, state.hubSeq);
  const conflicts = new Map((await store.conflicts.list(tenantId, { status: 'open', calendarId: calendar.id })).map((c) => [c.hubEventId, c]));
  const table = new ItemTable();
  const problems: ItemProblem[] = changes.kind === 'unchanged' ? [] : [...changes.problems];
  const changed = changes.kind === 'delta' ? [...changes.changed] : [];
  const removed = changes.kind === 'delta' ? [...changes.removed] : [];
  // A problem about an item that was read (an unknown TZID, say) is a warning; without an item, the
  // item is unreadable.
  const read = new Set((changes.kind === 'full' ? changes.items : changed).map((i) => i.remoteId));
  const unreadable = new Map<string, ItemProblem>();
  for (const p of problems) if (!read.has(p.remoteId) && !unreadable.has(p.remoteId)) unreadable.set(p.remoteId, p);
  let kind = changes.kind;
  const settled: string[] = [];
  if (changes.kind !== 'full') {
    const recheck = await recheckWritten(store, provider, tenantId, calendar, state.written, new Set([...read, ...removed, ...unreadable.keys()]));
    changed.push(...recheck.changed);
    removed.push(...recheck.removed);
    settled.push(...recheck.changed.map((i) => i.remoteId), ...recheck.removed);
    for (const p of recheck.unreadable) {
      problems.push(p);
      unreadable.set(p.remoteId, p);
    }
    if (recheck.changed.length + recheck.removed.length + recheck.unreadable.length > 0) kind = 'delta';
  }
  const held: HeldItem[] = [];
  const heldHub = new Set<string>();
  const hold = (link: Link, problem: ItemProblem): void => {
    held.push({ remoteId: link.remoteId, hubEventId: link.hubEventId, problem });
    heldHub.add(link.hubEventId);
  };
  const firstSync = state.cursor === undefined;
  let linked: number;
  const hubById = new Map<string, HubEvent>();
  const unlinkedRemote: RemoteItem[] = [];

  if (changes.kind === 'full') {
    const links = await store.links.listByCalendar(tenantId, calendar.id);
    linked = links.length;
    if (opts.allowEmpty !== true) checkStorageEmpty(changes.items.length + unreadable.size, linked, calendar.id);
    for (const e of await allHubEvents(store, tenantId)) hubById.set(e.id, e);
    const listed = new Map(changes.items.map((i) => [i.remoteId, i]));
    for (const link of links) {
      // An item we could not read is neither changed nor deleted, and its hub event is not exported.
      const problem = unreadable.get(link.remoteId);
      if (problem) {
        hold(link, problem);
        continue;
      }
      const remote = listed.get(link.remoteId);
      listed.delete(link.remoteId);
      const hubEvent = hubById.get(link.hubEventId);
      table.add(`l:${link.id}`, { link, ...(remote ? { remote } : {}), ...(hubEvent ? { hub: hubEvent } : {}) });
    }
    unlinkedRemote.push(...listed.values());
    // Every live hub event not linked here is exported (a full sync reconciles everything).
    for (const e of hubById.values()) if (e.deletedAt === undefined && !table.forHub(e.id) && !heldHub.has(e.id)) table.add(`h:${e.id}`, { hub: e });
  } else {
    linked = await store.links.countByCalendar(tenantId, calendar.id);
    for (const [remoteId, problem] of unreadable) {
      const link = await store.links.getByRemote(tenantId, calendar.id, remoteId);
      if (link) hold(link, problem);
    }
    for (const remote of changed) {
      const link = await store.links.getByRemote(tenantId, calendar.id, remote.remoteId);
      if (link) table.add(`l:${link.id}`, { link, remote });
      else unlinkedRemote.push(remote);
    }
    for (const remoteId of removed) {
      const link = await store.links.getByRemote(tenantId, calendar.id, remoteId);
      if (link) table.add(`l:${link.id}`, { link });
    }
    for (const e of hub.events) {
      hubById.set(e.id, e);
      if (heldHub.has(e.id)) continue;
      const item = table.forHub(e.id);
      if (item) continue;
      const link = await store.links.getByHubEvent(tenantId, calendar.id, e.id);
      if (link) {
        const remote = unchangedRemote(link, conflicts.get(e.id));
        table.add(`l:${link.id}`, { link, hub: e, ...(remote ? { remote } : {}) });
      } else if (e.deletedAt === undefined) {
        table.add(`h:${e.id}`, { hub: e });
      }
    }
    // Hub events of links touched only from the calendar side.
    const missing = [...table.byKey.values()].flatMap((i) => (i.link && !i.hub && !hubById.has(i.link.hubEventId) ? [i.link.hubEventId] : []));
    for (const e of await store.events.getMany(tenantId, missing)) hubById.set(e.id, e);
    for (const item of table.byKey.values()) if (item.link && !item.hub) Object.assign(item, { hub: hubById.get(item.link.hubEventId) });
  }

  await matchUnlinked(store, tenantId, calendar.id, table, unlinkedRemote, hubById, firstSync, changes.kind === 'full', problems);
  // Nothing of a held item reaches the plan, however it was paired.
  for (const [key, item] of table.byKey) {
    const hubId = item.hub?.id ?? item.link?.hubEventId;
    if ((hubId !== undefined && heldHub.has(hubId)) || (item.link !== undefined && unreadable.has(item.link.remoteId))) table.byKey.delete(key);
  }
  // A create whose outcome is unknown: its answer was lost, or the run that sent it died (`pending`).
  const unsure = new Set((state.written?.items ?? []).flatMap((w) => ((w.unsure || w.pending) && w.hubEventId !== undefined ? [w.hubEventId] : [])));
  for (const item of table.byKey.values()) {
    // Our create whose answer was lost, and the calendar does not have its item now (see plan.ts).
    if (!item.link && !item.remote && item.hub && unsure.has(item.hub.id)) item.createUnsure = true;
    const conflict = item.hub ? conflicts.get(item.hub.id) : undefined;
    if (conflict) item.conflict = conflict;
    // Our own create whose link save was lost: what it sent is the base (sent.ts). Equal sides just link.
    if (!item.link && item.hub && item.remote?.hubId === item.hub.id && !sameContent(item.hub.event, item.remote.event)) {
      const sent = await sentByCreate(store, tenantId, state.written, item.hub, item.remote);
      if (sent) item.sent = sent;
    }
  }
  return { state, listing: kind, cursor: changes.cursor, hubSeq: hub.seq, items: [...table.byKey.values()], linked, problems, held, settled };
}
