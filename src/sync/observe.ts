/**
 * Observe: all the I/O before planning. Ask the calendar what changed since our cursor, read the hub
 * events changed since our hub seq, and load only the links, hub events and open conflicts those
 * changes touch — so an incremental sync costs in proportion to the changes, not to the calendar.
 * A `full` listing is the exception: deletions are whatever is missing from it, so every link is read.
 */
import { isCalsyncError } from '../errors.js';
import type { HubEvent } from '../model/event.js';
import type { CalendarProvider, ChangeSet, ItemProblem, RemoteItem } from '../providers/types.js';
import type { CalendarRecord, ConflictRecord, Link, Store, SyncState } from '../store/types.js';
import { checkStorageEmpty } from './guards.js';
import { ItemTable, matchUnlinked } from './match.js';
import type { ItemInput } from './plan.js';

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

export async function observe(store: Store, provider: CalendarProvider, tenantId: string, calendar: CalendarRecord, opts: { full?: boolean; allowEmpty?: boolean } = {}): Promise<Observation> {
  const state = await store.syncState.get(tenantId, calendar.id);
  const changes = await listing(provider, calendar.remoteId, state.cursor ?? null, opts.full === true);
  const hub = await hubChanges(store, tenantId, state.hubSeq);
  const conflicts = new Map((await store.conflicts.list(tenantId, { status: 'open', calendarId: calendar.id })).map((c) => [c.hubEventId, c]));
  const table = new ItemTable();
  const problems: ItemProblem[] = changes.kind === 'unchanged' ? [] : [...changes.problems];
  const unreadable = new Set(problems.map((p) => p.remoteId));
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
      // An item we could not read is neither changed nor deleted: leave it alone this time.
      if (unreadable.has(link.remoteId)) continue;
      const remote = listed.get(link.remoteId);
      listed.delete(link.remoteId);
      const hubEvent = hubById.get(link.hubEventId);
      table.add(`l:${link.id}`, { link, ...(remote ? { remote } : {}), ...(hubEvent ? { hub: hubEvent } : {}) });
    }
    unlinkedRemote.push(...listed.values());
    // Every live hub event not linked here is exported (a full sync reconciles everything).
    for (const e of hubById.values()) if (e.deletedAt === undefined && !table.forHub(e.id)) table.add(`h:${e.id}`, { hub: e });
  } else {
    linked = await store.links.countByCalendar(tenantId, calendar.id);
    const changed = changes.kind === 'delta' ? changes.changed : [];
    const removed = changes.kind === 'delta' ? changes.removed : [];
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
  for (const item of table.byKey.values()) {
    const conflict = item.hub ? conflicts.get(item.hub.id) : undefined;
    if (conflict) item.conflict = conflict;
  }
  return { state, listing: changes.kind, cursor: changes.cursor, hubSeq: hub.seq, items: [...table.byKey.values()], linked, problems };
}
