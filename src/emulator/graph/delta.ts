/**
 * calendarView delta (api/event-delta.md). A delta token names a server-side snapshot: the
 * instance ids and changeKeys that were in the window when the round ended. The next round diffs
 * the current view against it — new or changed items are returned, items gone from the window
 * (deleted, cancelled or moved out) come back as `@removed`, and so — as event-delta.md documents —
 * do items outside the window that were added, updated or deleted since the last round (a change
 * journal remembers those). Snapshots live in a bounded cache and
 * expire by age, as Outlook's delta token cache does; an unknown or evicted token is 410
 * `syncStateNotFound`, which tells the client to start over with a full sync.
 */
import type { Clock } from '../../util/clock.js';
import { GraphError } from './graph-error.js';
import { newOpaqueToken } from './ids.js';
import type { Instance, Mailbox, StoreChange } from './model.js';

export interface DeltaOptions {
  /** Age after which a delta token is refused. Default 30 days. */
  tokenLifetimeMs: number;
  /** Snapshots kept; the oldest is evicted beyond this. Default 1000. */
  cacheSize: number;
  /** Items per page without `Prefer: odata.maxpagesize`. Default 10. */
  defaultPageSize: number;
}

interface Snapshot {
  mailboxId: string;
  calendarId: string;
  fromMs: number;
  toMs: number;
  items: Map<string, string>;
  createdMs: number;
  /** Journal position when the snapshot was taken. */
  journalSeq: number;
}

interface JournalEntry {
  seq: number;
  mailboxId: string;
  calendarId: string;
  resourceId: string;
}

/** Journal entries kept; a token older than the journal just misses the outside-window hints. */
const JOURNAL_LIMIT = 50_000;

interface Round {
  snapshot: Snapshot;
  items: Record<string, unknown>[];
  createdMs: number;
}

export interface DeltaPage {
  value: Record<string, unknown>[];
  skipToken?: string;
  deltaToken?: string;
}

/**
 * 410 for an unknown or expired token: as live Graph answers it (`SyncStateNotFound`, naming the
 * generation; microsoft-graph-docs#2350) or as the documentation spells it (`syncStateNotFound`).
 */
export function syncStateNotFound(style: 'observed' | 'documented' = 'documented', generation = 0): GraphError {
  if (style === 'observed')
    return new GraphError(410, 'SyncStateNotFound', `The sync state generation is not found; generation=${generation};[highest=${generation + 2}][${generation + 2}][${generation + 1}].`);
  return new GraphError(410, 'syncStateNotFound', 'The sync state generation was not found or has expired. Start a full synchronization.');
}

export class DeltaService {
  private readonly snapshots = new Map<string, Snapshot>();
  private readonly rounds = new Map<string, Round>();
  private journal: JournalEntry[] = [];
  private seq = 0;
  /** Admin fault: the next N rounds repeat an item, as live Graph sometimes does. */
  duplicateRounds = 0;

  constructor(
    private readonly clock: Clock,
    private readonly opts: DeltaOptions,
    private readonly expiredStyle: 'observed' | 'documented' = 'observed',
  ) {}

  private notFound(): GraphError {
    return syncStateNotFound(this.expiredStyle, this.seq);
  }

  /** Remember a change; series masters are skipped because delta never reports them. */
  record(change: StoreChange): void {
    if (change.series) return;
    this.journal.push({ seq: ++this.seq, mailboxId: change.mailbox.id, calendarId: change.calendarId, resourceId: change.resourceId });
    if (this.journal.length > JOURNAL_LIMIT) this.journal = this.journal.slice(-JOURNAL_LIMIT / 2);
  }

  /** First call of a sync (no token): every instance in the window is new. */
  begin(mb: Mailbox, calendarId: string, fromMs: number, toMs: number, current: Instance[], render: (i: Instance) => Record<string, unknown>, removed: (id: string) => Record<string, unknown>): string {
    const empty: Snapshot = { mailboxId: mb.id, calendarId, fromMs, toMs, items: new Map(), createdMs: this.clock.now(), journalSeq: this.seq };
    return this.startRound(empty, current, render, removed);
  }

  /** The window and owner a delta token was issued for; 410 when it is unknown or expired. */
  snapshotFor(deltaToken: string, mb: Mailbox, calendarId: string): Snapshot {
    const snap = this.snapshots.get(deltaToken);
    if (!snap || snap.mailboxId !== mb.id || snap.calendarId !== calendarId || this.expired(snap.createdMs)) throw this.notFound();
    return snap;
  }

  resume(previous: Snapshot, current: Instance[], render: (i: Instance) => Record<string, unknown>, removed: (id: string) => Record<string, unknown>): string {
    return this.startRound(previous, current, render, removed);
  }

  private startRound(previous: Snapshot, current: Instance[], render: (i: Instance) => Record<string, unknown>, removed: (id: string) => Record<string, unknown>): string {
    const now = this.clock.now();
    const next: Snapshot = { ...previous, items: new Map(current.map((i) => [i.id, i.changeKey])), createdMs: now, journalSeq: this.seq };
    const items = current.filter((i) => previous.items.get(i.id) !== i.changeKey).map(render);
    const removedIds = new Set([...previous.items.keys()].filter((id) => !next.items.has(id)));
    for (const e of this.journal) {
      if (e.seq > previous.journalSeq && e.mailboxId === previous.mailboxId && e.calendarId === previous.calendarId && !next.items.has(e.resourceId))
        removedIds.add(e.resourceId);
    }
    for (const id of removedIds) items.push(removed(id));
    if (this.duplicateRounds > 0 && items[0]) {
      this.duplicateRounds--;
      items.push(items[0]);
    }
    const roundId = newOpaqueToken();
    this.rounds.set(roundId, { snapshot: next, items, createdMs: now });
    this.evict(this.rounds);
    return `${roundId}.0`;
  }

  /** One page of a round; the last page turns the round's snapshot into a delta token. */
  page(skipToken: string, pageSize: number): DeltaPage {
    const [roundId = '', offsetText = ''] = skipToken.split('.');
    const round = this.rounds.get(roundId);
    const offset = Number(offsetText);
    if (!round || !Number.isInteger(offset) || this.expired(round.createdMs)) throw this.notFound();
    const value = round.items.slice(offset, offset + pageSize);
    if (offset + pageSize < round.items.length) return { value, skipToken: `${roundId}.${offset + pageSize}` };
    const deltaToken = newOpaqueToken();
    this.snapshots.set(deltaToken, round.snapshot);
    this.evict(this.snapshots);
    return { value, deltaToken };
  }

  /** Admin: make every token issued so far unusable. */
  expireAll(): void {
    this.snapshots.clear();
    this.rounds.clear();
  }

  private expired(createdMs: number): boolean {
    return this.clock.now() - createdMs > this.opts.tokenLifetimeMs;
  }

  private evict(map: Map<string, unknown>): void {
    while (map.size > this.opts.cacheSize) {
      const oldest = map.keys().next().value;
      if (oldest === undefined) return;
      map.delete(oldest);
    }
  }
}
