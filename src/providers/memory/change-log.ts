/**
 * The per-calendar change log that makes deltas cost O(changes) rather than O(calendar): every write
 * appends (seq, remoteId); a delta since `seq` reads only the entries after it. Like a CalDAV server's
 * sync-token history, the log is bounded: when it is trimmed, cursors older than the oldest retained
 * entry can no longer be answered and become invalid (the caller must fall back to a full listing).
 */
interface LogEntry {
  seq: number;
  remoteId: string;
}

export class ChangeLog {
  private entries: LogEntry[] = [];
  private head = 0;
  /** The oldest sequence number a cursor may name and still be answered. */
  private floor = 0;

  constructor(private readonly maxEntries: number) {}

  /** The sequence number of the latest change (0 before any). */
  get seq(): number {
    return this.head;
  }

  record(remoteId: string): number {
    this.head += 1;
    this.entries.push({ seq: this.head, remoteId });
    if (this.entries.length > this.maxEntries) {
      // Drop the older half at once so trimming is amortized O(1) per write.
      const drop = this.entries.length - Math.floor(this.maxEntries / 2);
      this.entries = this.entries.slice(drop);
      this.floor = (this.entries[0]?.seq ?? this.head + 1) - 1;
    }
    return this.head;
  }

  /** Whether a cursor at `seq` can still be answered. */
  canAnswer(seq: number): boolean {
    return Number.isInteger(seq) && seq >= this.floor && seq <= this.head;
  }

  /**
   * Remote ids changed after `seq`, each once, in order of their latest change; undefined when the log
   * no longer reaches back to `seq`.
   */
  changedSince(seq: number): string[] | undefined {
    if (!this.canAnswer(seq)) return undefined;
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.entries[mid]?.seq ?? Infinity) <= seq) lo = mid + 1;
      else hi = mid;
    }
    const latest = new Map<string, number>();
    for (let i = lo; i < this.entries.length; i += 1) {
      const entry = this.entries[i];
      if (entry === undefined) break;
      latest.delete(entry.remoteId);
      latest.set(entry.remoteId, entry.seq);
    }
    return [...latest.keys()];
  }
}
