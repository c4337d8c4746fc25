/**
 * What a create of ours sent, for a calendar item whose link was never saved (issue 9, finding 6 on a
 * create): the item was created — stamped with our hub id — but a crash or a lost response came before
 * the link save. The next sync finds the hub event unlinked and the item matched by our hub id. Without a
 * base, every field that differs would be a conflict: the hub's later edits, the calendar user's edits,
 * the defaults Outlook fills in — conflicts nobody made. With what we sent as the base they merge like
 * any linked item's changes.
 *
 * The sync state remembers, per create, a short hash of the content sent (`WrittenItem.sent`: a few
 * dozen bytes per item, so a 10,000-event export does not bloat it); the content itself is the hub's
 * audit history, which holds every version the hub ever had — our create sent one of them. When the
 * sync state no longer holds the hash (too many writes: `written.full`), a hub event whose history has
 * only one content is still unambiguous. Anything else stays without a base (conflicts, never a guess).
 */
import type { CalendarEvent, HubEvent } from '../model/event.js';
import { hashEvent } from '../model/hash.js';
import type { RemoteItem } from '../providers/types.js';
import type { Store, WrittenSinceCursor } from '../store/types.js';
import { sameContent } from './fields.js';

/** Hashes of sent contents kept per item (a create retried after the hub moved on sends another). */
export const MAX_SENT = 4;

/** The short hash a create intent keeps of the content it sends (132 bits). */
export function sentHash(event: CalendarEvent): string {
  return hashEvent(event).slice(0, 22);
}

/** `a` and `b`'s hashes, without repeats, the latest `MAX_SENT`. */
export function mergeSent(a: readonly string[] | undefined, b: readonly string[] | undefined): string[] | undefined {
  if (!a?.length) return b?.length ? [...b] : undefined;
  if (!b?.length) return [...a];
  const all = [...a.filter((h) => !b.includes(h)), ...b];
  return all.slice(-MAX_SENT);
}

/** The hashes the sync state keeps of what creates of this hub event sent. */
export function sentHashesFor(written: WrittenSinceCursor | undefined, hubEventId: string): string[] {
  return (written?.items ?? []).flatMap((w) => (w.hubEventId === hubEventId ? (w.sent ?? []) : []));
}

/**
 * The content our create of `hub` sent, when `remote` is that create's item (it carries our hub id) and
 * it can be told for sure; undefined otherwise. `excluded`: a hash known not to have landed (the create
 * of this run that met 409 because the item already existed).
 */
export async function sentByCreate(
  store: Store,
  tenantId: string,
  written: WrittenSinceCursor | undefined,
  hub: HubEvent,
  remote: RemoteItem,
  excluded?: string,
): Promise<CalendarEvent | undefined> {
  if (remote.hubId !== hub.id) return undefined;
  const history = await store.events.history(tenantId, hub.id);
  const versions = new Map<string, CalendarEvent>();
  for (const entry of history) if (entry.after) versions.set(sentHash(entry.after), entry.after);
  versions.set(sentHash(hub.event), hub.event);
  let hashes = sentHashesFor(written, hub.id);
  if (excluded !== undefined && hashes.some((h) => h !== excluded)) hashes = hashes.filter((h) => h !== excluded);
  const candidates = hashes.length > 0 ? hashes.flatMap((h) => versions.get(h) ?? []) : [...versions.values()];
  const distinct = candidates.filter((e, n) => candidates.findIndex((o) => sameContent(o, e)) === n);
  if (distinct.length === 1) return distinct[0];
  // Several sends (or, without a record, several versions): only an exact copy of one of our sends is sure.
  if (hashes.length > 0) return distinct.find((e) => sameContent(e, remote.event));
  return undefined;
}
