/**
 * What clients asked the emulator: every Graph request (`/v1.0/…`) with its answer, in order. Inner
 * `$batch` requests are logged too, marked `inBatch`, so a test can count both what went over the wire
 * and what Graph counted against the mailbox's budget. Requests made through the admin API (another
 * Outlook client) are not clients' requests and are not logged. Bounded, like the delivery log.
 */
export interface LoggedRequest {
  method: string;
  /** Path below `/v1.0`, without the query string (it may hold delta tokens). */
  path: string;
  status: number;
  /** An inner request of a `$batch`. */
  inBatch: boolean;
  atMs: number;
}

/** Entries kept; the oldest go first. */
const LIMIT = 20_000;

export class RequestLog {
  private entries: LoggedRequest[] = [];

  add(entry: LoggedRequest): void {
    this.entries.push(entry);
    if (this.entries.length > LIMIT) this.entries = this.entries.slice(-LIMIT / 2);
  }

  list(): LoggedRequest[] {
    return [...this.entries];
  }

  clear(): void {
    this.entries = [];
  }
}
