/**
 * Pairing the two sides of each item before planning: the item table (keyed so a link, a hub event and
 * a calendar item of one event meet) and match-before-create for calendar items without a link.
 */
import type { HubEvent } from '../model/event.js';
import type { ItemProblem, RemoteItem } from '../providers/types.js';
import type { Store } from '../store/types.js';
import { matchKey } from './fields.js';
import type { ItemInput } from './plan.js';

/** Items keyed so the two sides of one event meet: by link, else by hub id, else by remote id. */
export class ItemTable {
  readonly byKey = new Map<string, ItemInput>();
  private readonly keyOfHub = new Map<string, string>();

  add(key: string, patch: ItemInput): ItemInput {
    const item = this.byKey.get(key) ?? {};
    Object.assign(item, patch);
    this.byKey.set(key, item);
    const hubId = item.hub?.id ?? item.link?.hubEventId;
    if (hubId !== undefined) this.keyOfHub.set(hubId, key);
    return item;
  }

  forHub(hubId: string): ItemInput | undefined {
    const key = this.keyOfHub.get(hubId);
    return key === undefined ? undefined : this.byKey.get(key);
  }

  /** Moves an unlinked remote item onto the hub event it matched. */
  pair(remoteKey: string, hub: HubEvent): void {
    const remote = this.byKey.get(remoteKey);
    this.byKey.delete(remoteKey);
    const existing = this.forHub(hub.id);
    if (existing) Object.assign(existing, { remote: remote?.remote });
    else this.add(`h:${hub.id}`, { hub, ...(remote?.remote ? { remote: remote.remote } : {}) });
  }
}

/**
 * Match before create: an unlinked calendar item is paired with the hub event carrying our stamped hub
 * id, else with the hub event of the same UID, else (first sync only) with an unlinked live hub event
 * of the same title and start. Only then is it new.
 */
export async function matchUnlinked(
  store: Store,
  tenantId: string,
  calendarId: string,
  table: ItemTable,
  remotes: readonly RemoteItem[],
  hubById: Map<string, HubEvent>,
  firstSync: boolean,
  haveAllHub: boolean,
  problems: ItemProblem[],
): Promise<void> {
  const byUid = new Map<string, HubEvent>();
  const byTitleStart = new Map<string, HubEvent>();
  if (haveAllHub) {
    for (const e of hubById.values()) {
      byUid.set(e.event.uid, e);
      const unlinked = table.forHub(e.id)?.link === undefined;
      if (firstSync && unlinked && e.deletedAt === undefined) byTitleStart.set(matchKey(e.event), e);
    }
  }
  const claimed = new Set<string>();
  const uids = new Set<string>();
  const duplicate = (remote: RemoteItem): void => {
    problems.push({ remoteId: remote.remoteId, code: 'SYNC_DUPLICATE_UID', message: `UID ${remote.event.uid} is already used by another item in this calendar` });
  };
  for (const remote of remotes) {
    const key = `r:${remote.remoteId}`;
    // Two new items with one UID (a server that does not enforce uniqueness): the first one wins.
    if (uids.has(remote.event.uid)) {
      duplicate(remote);
      continue;
    }
    uids.add(remote.event.uid);
    table.add(key, { remote });
    let hub = remote.hubId === undefined ? undefined : (hubById.get(remote.hubId) ?? (haveAllHub ? undefined : await store.events.get(tenantId, remote.hubId, { includeDeleted: true })));
    if (hub && hub.event.uid !== remote.event.uid) hub = undefined; // a copied stamp, not our item
    hub ??= byUid.get(remote.event.uid) ?? (haveAllHub ? undefined : await store.events.getByUid(tenantId, remote.event.uid, { includeDeleted: true }));
    hub ??= byTitleStart.size > 0 ? byTitleStart.get(matchKey(remote.event)) : undefined;
    if (!hub) continue;
    const existing = table.forHub(hub.id);
    const linkedElsewhere = existing?.link ?? (haveAllHub ? undefined : await store.links.getByHubEvent(tenantId, calendarId, hub.id));
    if (claimed.has(hub.id) || (linkedElsewhere && linkedElsewhere.remoteId !== remote.remoteId)) {
      // Two calendar items for one event (duplicate UID): name the offender, change neither.
      table.byKey.delete(key);
      duplicate(remote);
      continue;
    }
    claimed.add(hub.id);
    byTitleStart.delete(matchKey(hub.event));
    hubById.set(hub.id, hub);
    table.pair(key, hub);
  }
}
