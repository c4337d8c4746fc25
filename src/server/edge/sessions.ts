/**
 * Browser sign-in without a key in any URL (issue 10, finding 4). `POST /api/v1/session {key}` checks
 * the key and answers with a session cookie — a random 256-bit id, HttpOnly, SameSite=Strict, Secure
 * when the request came over https — whose record (the key, its expiry) lives only in this process's
 * memory. The WebSocket accepts that cookie, or a single-use ticket valid for 30 s
 * (`POST /api/v1/ws-ticket`) for clients that cannot send cookies or headers.
 *
 * Both tables are bounded and expire on the injected clock. The key itself never leaves the server
 * again: every request made with a session re-verifies it, so a revoked key ends its sessions.
 */
import { randomBytes } from 'node:crypto';
import { systemClock, type Clock } from '../../util/clock.js';

export const SESSION_COOKIE = 'calsync_session';

interface Entry {
  key: string;
  expires: number;
}

/** A bounded map of random ids → API key with expiry; the oldest entry is dropped first when full. */
class ExpiringKeys {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs: number,
    private readonly max: number,
  ) {}

  issue(key: string): { id: string; expiresAt: number } {
    this.sweep();
    if (this.entries.size >= this.max) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    const id = randomBytes(32).toString('base64url');
    const expires = this.clock.now() + this.ttlMs;
    this.entries.set(id, { key, expires });
    return { id, expiresAt: expires };
  }

  get(id: string): string | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (entry.expires <= this.clock.now()) {
      this.entries.delete(id);
      return undefined;
    }
    return entry.key;
  }

  delete(id: string): void {
    this.entries.delete(id);
  }

  /** Drops every entry holding `key` (its key was found revoked). */
  forgetKey(key: string): void {
    for (const [id, entry] of this.entries) if (entry.key === key) this.entries.delete(id);
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [id, entry] of this.entries) if (entry.expires <= now) this.entries.delete(id);
  }
}

export interface SessionOptions {
  clock?: Clock;
  /** Session lifetime (default 12 h). */
  sessionTtlMs?: number;
  /** WebSocket ticket lifetime (default 30 s). */
  ticketTtlMs?: number;
  /** Bound on live sessions and tickets each (default 10,000). */
  max?: number;
}

export class BrowserSessions {
  private readonly sessions: ExpiringKeys;
  private readonly tickets: ExpiringKeys;
  readonly sessionTtlMs: number;
  readonly ticketTtlMs: number;

  constructor(opts: SessionOptions = {}) {
    const clock = opts.clock ?? systemClock;
    this.sessionTtlMs = opts.sessionTtlMs ?? 12 * 3_600_000;
    this.ticketTtlMs = opts.ticketTtlMs ?? 30_000;
    this.sessions = new ExpiringKeys(clock, this.sessionTtlMs, opts.max ?? 10_000);
    this.tickets = new ExpiringKeys(clock, this.ticketTtlMs, opts.max ?? 10_000);
  }

  open(key: string): { id: string; expiresAt: number } {
    return this.sessions.issue(key);
  }

  keyOfSession(id: string): string | undefined {
    return this.sessions.get(id);
  }

  close(id: string): void {
    this.sessions.delete(id);
  }

  issueTicket(key: string): { id: string; expiresAt: number } {
    return this.tickets.issue(key);
  }

  /** The key behind a ticket; the ticket is spent whether or not it was valid. */
  redeemTicket(id: string): string | undefined {
    const key = this.tickets.get(id);
    this.tickets.delete(id);
    return key;
  }

  /** A revoked key: its sessions and tickets end now. */
  forgetKey(key: string): void {
    this.sessions.forgetKey(key);
    this.tickets.forgetKey(key);
  }
}
