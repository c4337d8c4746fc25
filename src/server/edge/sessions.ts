/**
 * Browser sign-in without a key in any URL (issue 10, finding 4; issue 13). `POST /api/v1/session`
 * checks an email and password, a one-time sign-in link, or (machines, the demo) an API key, and answers
 * with a session cookie — a random 256-bit id, HttpOnly, SameSite=Strict, Secure when the request came
 * over https — whose record (who signed in: the key or the tenant user, and the expiry) lives only in
 * this process's memory. The WebSocket accepts that cookie, or a single-use ticket valid for 30 s
 * (`POST /api/v1/ws-ticket`) for clients that cannot send cookies or headers.
 *
 * Both tables are bounded and expire on the injected clock. The key itself never leaves the server
 * again: every request made with a session re-verifies it, so a revoked key (or a removed user) ends
 * its sessions.
 */
import { randomBytes } from 'node:crypto';
import { systemClock, type Clock } from '../../util/clock.js';

export const SESSION_COOKIE = 'calsync_session';

/**
 * Who a session or ticket stands for: an API key, a tenant user who signed in with a password or their
 * one-time link, or a tenant (a one-time link printed for the tenant rather than for one user).
 */
export type Principal = { kind: 'key'; key: string } | { kind: 'user'; userId: string } | { kind: 'tenant'; tenantId: string };

/** A stable in-memory name for a principal (never logged: a key principal's name contains the key). */
export function principalName(p: Principal): string {
  return p.kind === 'key' ? `key:${p.key}` : p.kind === 'user' ? `user:${p.userId}` : `tenant:${p.tenantId}`;
}

interface Entry {
  principal: Principal;
  expires: number;
}

/** A bounded map of random ids → principal with expiry; the oldest entry is dropped first when full. */
class ExpiringKeys {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs: number,
    private readonly max: number,
  ) {}

  issue(principal: Principal): { id: string; expiresAt: number } {
    this.sweep();
    if (this.entries.size >= this.max) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    const id = randomBytes(32).toString('base64url');
    const expires = this.clock.now() + this.ttlMs;
    this.entries.set(id, { principal, expires });
    return { id, expiresAt: expires };
  }

  get(id: string): Principal | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (entry.expires <= this.clock.now()) {
      this.entries.delete(id);
      return undefined;
    }
    return entry.principal;
  }

  delete(id: string): void {
    this.entries.delete(id);
  }

  /** Drops every entry of `principal` (its key was found revoked, its user removed). */
  forget(principal: Principal): void {
    const name = principalName(principal);
    for (const [id, entry] of this.entries) if (principalName(entry.principal) === name) this.entries.delete(id);
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

  open(who: Principal | string): { id: string; expiresAt: number } {
    return this.sessions.issue(typeof who === 'string' ? { kind: 'key', key: who } : who);
  }

  principalOfSession(id: string): Principal | undefined {
    return this.sessions.get(id);
  }

  /** The API key behind a key session (undefined for a user's session). */
  keyOfSession(id: string): string | undefined {
    const p = this.sessions.get(id);
    return p?.kind === 'key' ? p.key : undefined;
  }

  close(id: string): void {
    this.sessions.delete(id);
  }

  issueTicket(who: Principal | string): { id: string; expiresAt: number } {
    return this.tickets.issue(typeof who === 'string' ? { kind: 'key', key: who } : who);
  }

  /** Who a ticket stands for; the ticket is spent whether or not it was valid. */
  redeemTicket(id: string): Principal | undefined {
    const who = this.tickets.get(id);
    this.tickets.delete(id);
    return who;
  }

  /** A revoked key or a removed user: their sessions and tickets end now. */
  forget(who: Principal): void {
    this.sessions.forget(who);
    this.tickets.forget(who);
  }

  forgetKey(key: string): void {
    this.forget({ kind: 'key', key });
  }
}
