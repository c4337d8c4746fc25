/**
 * Change detection, cheapest request first, chosen by what each request costs on a real server
 * (caldav.md and our measurements, Radicale 3.1.8 with 10,000 events: CTag alone 0.25 s, CTag +
 * sync-token 0.86 s, calendar-query with data 0.4 s, sync-collection with a token 0.39–0.55 s,
 * sync-collection from nothing with data 1.2 s, PROPFIND Depth 1 getetag 21.7 s):
 *
 * 1. The check is a CTag-only PROPFIND (Depth 0) — equal to the cursor's: nothing changed, one request
 *    in all. (Asking for the sync-token in the same PROPFIND makes Radicale compute it: 3× dearer.)
 * 2. CTag changed: sync-collection from the cursor's token with calendar-data, which returns the
 *    changes AND the next token — a small delta is 2 requests; items the server sent without data are
 *    fetched with calendar-multiget. An invalid token → a full listing (anything not listed is gone).
 *    A server without CTag: the sync-collection itself is the check (no change: 1 request).
 * 3. No sync-collection (no token in the cursor): PROPFIND CTag + sync-token + reports as the check,
 *    then list etags (calendar-query without data) and diff against the etags this process saw at the
 *    cursor's CTag, multiget what changed; with nothing to diff against → full.
 * 4. A full listing is one calendar-query with data (a server without calendar-query gets PROPFIND
 *    getetag + multiget), bracketed for its cursor: PROPFIND CTag + reports before it, and — on a server
 *    with sync-collection and a CTag — PROPFIND CTag + sync-token sent as soon as the listing starts to
 *    arrive, so the server computes the token (0.4 s of Radicale's time for 10,000 events) while we
 *    parse the listing instead of before it. A first sync or a resync after a full listing is thus one
 *    request more (3) but about 0.2 s shorter. Otherwise CTag, sync-token and reports in one PROPFIND
 *    before the listing, as for the etag fallback, where that PROPFIND was the check.
 *
 * Ordering — why no change is ever lost. A cursor's CTag is only used to answer "unchanged", so it must
 * never be NEWER than the data the cursor stands for; its token only makes the server report what
 * changed after it, so it must never be newer either. Hence:
 * - delta: cursor = { CTag read by the check (BEFORE the sync-collection), token returned by the
 *   sync-collection (it describes exactly the state whose changes it returned) }. A write landing
 *   between the check and the sync-collection is in the delta (or, if the server saw it after
 *   building the answer, after the returned token); either way the CTag now differs from the stored
 *   one, so the next check looks again. Reading the CTag after the sync-collection instead could
 *   store the CTag of a write the delta never saw — and the next check would answer "unchanged".
 * - full: the cursor's CTag is read BEFORE the listing, so a write racing the listing is reported again
 *   by the next sync (at worst twice), never missed. A token read AFTER the listing is kept only when
 *   that same PROPFIND shows the CTag read before it: nothing changed from before the listing to after
 *   it (as far as the CTag can tell, which is all the "unchanged" check relies on anyway), so the token
 *   describes the listed state. Otherwise the cursor has no token and the next sync lists everything
 *   again (PROPFIND CTag + reports + token first, then the listing) — slower, never wrong.
 */
import { isCalsyncError } from '../../errors.js';
import type { CalendarCollection, CollectionState, ItemData, ItemReader, SyncPage } from './calendar-collection.js';
import type { CalDavCursor } from './cursor.js';
import { CALDAV, DAV } from './names.js';

/** The collection requests change detection uses (an interface so tests can script a server). */
export type CollectionReader = Pick<CalendarCollection, 'url' | 'ctag' | 'ctagAndReports' | 'state' | 'syncCollection' | 'query' | 'listEtags' | 'multiget'>;

/**
 * What changed, each item as the caller's `ItemReader` made it (default: the bytes themselves). On a
 * full listing the reader runs as each response streams in, so the listing's text is never all held.
 */
export type ByteChanges<T = ItemData> =
  | { kind: 'unchanged'; cursor: CalDavCursor }
  | { kind: 'delta'; changed: T[]; removed: string[]; cursor: CalDavCursor }
  | { kind: 'full'; items: T[]; cursor: CalDavCursor };

/** Etags seen at a CTag, per collection: what the etag-listing fallback diffs against. */
interface Snapshot {
  ctag: string;
  etags: Map<string, string>;
}

/** One listed item: its href and etag, and what the reader made of its data (undefined: it came without). */
interface Listed<T> {
  href: string;
  etag: string;
  value: T | undefined;
}

function listedBy<T>(read: ItemReader<T>): ItemReader<Listed<T>> {
  return (item) => ({ href: item.href, etag: item.etag, value: item.data === undefined ? undefined : read(item) });
}

const asData: ItemReader<ItemData> = (item) => item;

/**
 * DAViCal 1.1's tokens (`data:,N`) expire silently: its new_sync_token() prunes tokens older than 7
 * days, and a token it no longer knows is answered as if none had been sent — every member "changed",
 * no removals — so deletions since then would go unseen. Such a token is trusted for 6 days from when
 * this process first received it (DAViCal keeps a token at least 7 days from then), older or of unknown
 * age it is given up for a full listing — only when the CTag says something changed.
 */
const EXPIRING_TOKEN = /^data:,\d+$/;
const EXPIRING_TOKEN_TRUSTED_MS = 6 * 24 * 3600_000;

/** The cursor for a token just received: its first-seen time kept (same token) or set (new token), for expiring tokens only. */
function withToken(ctag: string | undefined, token: string | undefined, previous: CalDavCursor | null, now: number): CalDavCursor {
  if (token === undefined || !EXPIRING_TOKEN.test(token)) return { ctag, syncToken: token };
  const seen = previous?.syncToken === token ? previous.tokenSeenAt : undefined;
  return { ctag, syncToken: token, tokenSeenAt: seen ?? now };
}

function tokenMayHaveExpired(cursor: CalDavCursor, now: number): boolean {
  if (cursor.syncToken === undefined || !EXPIRING_TOKEN.test(cursor.syncToken)) return false;
  return cursor.tokenSeenAt === undefined || now - cursor.tokenSeenAt >= EXPIRING_TOKEN_TRUSTED_MS;
}

export class ChangeDetector {
  private readonly snapshots = new Map<string, Snapshot>();

  /** `now`: milliseconds since the epoch (the provider's clock). */
  constructor(private readonly now: () => number = () => Date.now()) {}

  async detect<T = ItemData>(collection: CollectionReader, cursor: CalDavCursor | null, full: boolean, read: ItemReader<T> = asData as ItemReader<T>): Promise<ByteChanges<T>> {
    if (full || !cursor) return this.fresh(collection, read);
    if (cursor.syncToken === undefined) return this.withoutSyncCollection(collection, cursor, read);

    // The check: CTag alone. Read BEFORE the sync-collection — see the ordering note above.
    let ctag: string | undefined;
    if (cursor.ctag !== undefined) {
      ctag = await collection.ctag();
      if (ctag === cursor.ctag) return { kind: 'unchanged', cursor };
    }
    if (tokenMayHaveExpired(cursor, this.now())) return this.fresh(collection, read);
    let page: SyncPage;
    try {
      page = await collection.syncCollection(cursor.syncToken, true);
    } catch (err) {
      if (isCalsyncError(err) && err.code === 'PROVIDER_INVALID_SYNC_TOKEN') return this.fresh(collection, read);
      throw err;
    }
    const next = withToken(ctag, page.token, cursor, this.now());
    // Without a CTag the sync-collection was the check.
    if (cursor.ctag === undefined && page.changed.length === 0 && page.removed.length === 0) return { kind: 'unchanged', cursor: next };
    const changed = await this.completeData(collection, page.changed.map(listedBy(read)), read);
    this.forget(collection);
    return { kind: 'delta', changed: values(changed), removed: page.removed, cursor: next };
  }

  /** Servers without sync-collection: the PROPFIND of CTag + reports is the check, then the etag diff. */
  private async withoutSyncCollection<T>(collection: CollectionReader, cursor: CalDavCursor, read: ItemReader<T>): Promise<ByteChanges<T>> {
    const state = await collection.state();
    if (state.ctag !== undefined && state.ctag === cursor.ctag) return { kind: 'unchanged', cursor };
    // It may have gained sync-collection (a server upgrade): the full listing stores a token then.
    if (tokenFor(state) !== undefined) return this.full(collection, state, read);
    return this.byEtags(collection, state, cursor, { ctag: state.ctag, syncToken: undefined }, read);
  }

  /**
   * A full listing with nothing read yet: CTag and reports before it, the sync-token (when the server
   * has sync-collection and a CTag to vouch for it) read while it arrives — see the ordering note above.
   */
  private async fresh<T>(collection: CollectionReader, read: ItemReader<T>): Promise<ByteChanges<T>> {
    const before = await collection.ctagAndReports();
    const wantsToken = before.reports.has(DAV.syncCollection.clark);
    if (!wantsToken) return this.full(collection, { ...before, syncToken: undefined }, read);
    if (before.ctag === undefined) return this.full(collection, await collection.state(), read);
    let after: Promise<CollectionState> | undefined;
    const readAfter = (): Promise<CollectionState> => (after ??= collection.state());
    // Started by the first listed item (the server has built its answer by then); a failed listing
    // leaves it unawaited, so its own failure must not become an unhandled rejection.
    const listed = await this.listAll(collection, before, read, () => void readAfter().catch(() => undefined));
    const state = await readAfter();
    const syncToken = state.ctag === before.ctag ? tokenFor(state) : undefined;
    this.remember(collection, before, listed);
    return { kind: 'full', items: values(listed), cursor: withToken(before.ctag, syncToken, null, this.now()) };
  }

  /** The whole collection with data, after `state` was read; remembers its etags for the fallback diff. */
  async full<T = ItemData>(collection: CollectionReader, state: CollectionState, read: ItemReader<T> = asData as ItemReader<T>): Promise<ByteChanges<T>> {
    const next = withToken(state.ctag, tokenFor(state), null, this.now());
    const listed = await this.listAll(collection, state, read);
    this.remember(collection, state, listed);
    return { kind: 'full', items: values(listed), cursor: next };
  }

  /** Every item with data: calendar-query, or PROPFIND etags + multiget. `onItem` runs as items arrive. */
  private async listAll<T>(collection: CollectionReader, state: Pick<CollectionState, 'reports'>, read: ItemReader<T>, onItem?: () => void): Promise<Listed<T>[]> {
    const listed = listedBy(read);
    const reader: ItemReader<Listed<T>> = onItem
      ? (item) => {
          onItem();
          return listed(item);
        }
      : listed;
    return (supportsQuery(state) && (await this.tryQuery(collection, reader, read))) || (await this.completeData(collection, (await collection.listEtags()).map(reader), read));
  }

  private async byEtags<T>(collection: CollectionReader, state: CollectionState, cursor: CalDavCursor, next: CalDavCursor, read: ItemReader<T>): Promise<ByteChanges<T>> {
    const snapshot = this.snapshots.get(collection.url);
    if (!snapshot || snapshot.ctag !== cursor.ctag) return this.full(collection, state, read);
    const listed = supportsQuery(state) ? await collection.query(false) : await collection.listEtags();
    const stale = listed.filter((item) => snapshot.etags.get(item.href) !== item.etag);
    const present = new Set(listed.map((item) => item.href));
    const removed = [...snapshot.etags.keys()].filter((href) => !present.has(href));
    const changed = await this.completeData(collection, stale.map(listedBy(read)), read);
    this.remember(collection, state, listed);
    return { kind: 'delta', changed: values(changed), removed, cursor: next };
  }

  /** calendar-query with data, or undefined when the server refuses it (then PROPFIND + multiget). */
  private async tryQuery<T>(collection: CollectionReader, reader: ItemReader<Listed<T>>, read: ItemReader<T>): Promise<Listed<T>[] | undefined> {
    let listed: Listed<T>[];
    try {
      listed = await collection.query(true, {}, reader);
    } catch (err) {
      if (isCalsyncError(err) && err.code === 'PROVIDER_REJECTED') return undefined;
      throw err;
    }
    return this.completeData(collection, listed, read);
  }

  /** Items that came without calendar-data are fetched in multiget batches; vanished ones drop out. */
  private async completeData<T>(collection: CollectionReader, items: Listed<T>[], read: ItemReader<T>): Promise<Listed<T>[]> {
    const missing = items.filter((i) => i.value === undefined).map((i) => i.href);
    if (missing.length === 0) return items;
    const fetched = new Map((await collection.multiget(missing, listedBy(read))).map((i) => [i.href, i]));
    return items.flatMap((i) => (i.value !== undefined ? [i] : (fetched.get(i.href) ?? [])));
  }

  private remember(collection: CollectionReader, state: Pick<CollectionState, 'ctag'>, items: readonly { href: string; etag: string }[]): void {
    if (state.ctag === undefined) return;
    this.snapshots.set(collection.url, { ctag: state.ctag, etags: new Map(items.map((i) => [i.href, i.etag])) });
  }

  /** After a sync-collection delta the snapshot is out of date; only the etag fallback uses it. */
  private forget(collection: CollectionReader): void {
    this.snapshots.delete(collection.url);
  }
}

/** The readers' values of items that have data (after `completeData`, all of them). */
function values<T>(items: readonly Listed<T>[]): T[] {
  const out: T[] = [];
  for (const item of items) if (item.value !== undefined) out.push(item.value);
  return out;
}

/**
 * The token worth storing: only from a server that offers sync-collection (iCloud's token behaviour is
 * unconfirmed, so supported-report-set decides, as before).
 */
function tokenFor(state: CollectionState): string | undefined {
  return state.reports.has(DAV.syncCollection.clark) ? state.syncToken : undefined;
}

/** Servers that list no reports at all (some omit supported-report-set) are assumed to support it. */
function supportsQuery(state: Pick<CollectionState, 'reports'>): boolean {
  return state.reports.size === 0 || state.reports.has(CALDAV.calendarQuery.clark);
}
