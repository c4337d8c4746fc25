/**
 * The emulator's control surface for tests and developers: fault injection, token and delta-token
 * expiry, subscription removal and lifecycle events, notification faults, and acting as another
 * Outlook client (changes made through it notify subscribers exactly like API changes).
 */
import type { FastifyInstance } from 'fastify';
import type { EmulatorContext } from './context.js';
import type { FaultEntry, FaultSpec } from './faults.js';
import type { Mailbox } from './model.js';
import type { DeliveryRecord, NotificationFaults } from './notifier.js';
import { principalFor } from './routes/oauth.js';
import type { LifecycleEvent, Subscription } from './subscriptions.js';
import type { MailboxSeed } from './store.js';
import type { LoggedRequest } from './request-log.js';

export interface ActResult {
  status: number;
  body: unknown;
}

export class GraphEmulatorAdmin {
  constructor(
    private readonly ctx: EmulatorContext,
    private readonly app: FastifyInstance,
  ) {}

  addUser(seed: MailboxSeed): Mailbox {
    return this.ctx.store.addMailbox(seed);
  }

  users(): Mailbox[] {
    return [...this.ctx.store.mailboxes.values()];
  }

  /** An access token without the OAuth dance (for scripts and the CLI's sample token). */
  issueToken(user: string, opts: { clientId?: string; scopes?: string[] } = {}): { accessToken: string; expiresInS: number } {
    const mb = this.ctx.store.mailbox(user);
    const { token, expiresInS } = this.ctx.tokens.issueAccessToken(
      principalFor(this.ctx, mb.id, opts.clientId ?? 'calsync-dev-client', opts.scopes ?? ['Calendars.ReadWrite']),
    );
    return { accessToken: token, expiresInS };
  }

  /**
   * Expire access tokens (all, or one user's). Subscriptions created on them get
   * `reauthorizationRequired`, as Graph sends when the token behind a subscription lapses.
   */
  expireAccessTokens(user?: string): number {
    const userId = user === undefined ? undefined : this.ctx.store.mailbox(user).id;
    const n = this.ctx.tokens.expireAccessTokens(userId);
    this.ctx.subscriptions.tokensLapsed(userId);
    return n;
  }

  /** Revoke refresh tokens (all, or one user's), as a password reset does; subscriptions need reauthorization. */
  revokeRefreshTokens(user?: string): number {
    const userId = user === undefined ? undefined : this.ctx.store.mailbox(user).id;
    const n = this.ctx.tokens.revokeRefreshTokens(userId);
    this.ctx.subscriptions.tokensLapsed(userId);
    return n;
  }

  addFault(spec: FaultSpec): FaultEntry {
    return this.ctx.faults.add(spec);
  }

  /** Requests waiting on a `hold` fault. */
  heldRequests(): number {
    return this.ctx.faults.heldCount();
  }

  /** Lets the requests held by `hold` faults go on; returns how many. */
  releaseHeld(): number {
    return this.ctx.faults.releaseHeld();
  }

  clearFaults(): void {
    this.ctx.faults.clear();
  }

  /** Reset throttling windows and in-flight counts. */
  resetThrottling(): void {
    this.ctx.throttle.reset();
  }

  expireDeltaTokens(): void {
    this.ctx.delta.expireAll();
  }

  /** The next `rounds` delta rounds return one item twice. */
  duplicateDeltaItems(rounds: number): void {
    this.ctx.delta.duplicateRounds = rounds;
  }

  setNotificationFaults(faults: Partial<NotificationFaults>): NotificationFaults {
    return Object.assign(this.ctx.notifier.faults, faults);
  }

  deliveries(): DeliveryRecord[] {
    return [...this.ctx.notifier.log];
  }

  /**
   * Run the lifecycle check and deliver everything due by the clock now (with a ManualClock,
   * advance it first).
   */
  flushNotifications(): Promise<void> {
    this.ctx.subscriptions.tick();
    return this.ctx.notifier.drain();
  }

  /** Graph requests clients made (inner `$batch` requests marked), oldest first. */
  requests(): LoggedRequest[] {
    return this.ctx.requestLog.list();
  }

  clearRequests(): void {
    this.ctx.requestLog.clear();
  }

  /**
   * Move an event to another calendar of the same mailbox, as a user dragging it in Outlook does: its
   * immutable id stays, its regular id changes. Returns both.
   */
  moveEvent(user: string, eventId: string, calendarId: string): { immutableId: string; regularId: string } {
    const mb = this.ctx.store.mailbox(user);
    const ev = this.ctx.store.moveEvent(mb, eventId, calendarId);
    return { immutableId: ev.id, regularId: mb.regularIds.get(ev.id) ?? ev.id };
  }

  subscriptions(): Subscription[] {
    return this.ctx.subscriptions.all();
  }

  removeSubscription(id: string): boolean {
    return this.ctx.subscriptions.remove(id);
  }

  sendLifecycle(id: string, event: LifecycleEvent): boolean {
    const sub = this.ctx.subscriptions.all().find((s) => s.id === id);
    return sub ? this.ctx.subscriptions.sendLifecycle(sub, event) : false;
  }

  /**
   * Act as another Outlook client of `user`: `path` is relative to `/v1.0/users/{user}` (e.g.
   * `/events`, `/events/{id}`). No auth, faults or throttling apply; notifications do.
   */
  async act(user: string, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ActResult> {
    const mb = this.ctx.store.mailbox(user);
    const res = await this.app.inject({
      method,
      url: `/v1.0/users/${encodeURIComponent(mb.id)}${path.startsWith('/') ? path : `/${path}`}`,
      headers: { ...headers, 'x-emulator-admin': this.ctx.adminSecret, 'x-emulator-user': mb.id, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    return { status: res.statusCode, body: res.body === '' ? undefined : (JSON.parse(res.body) as unknown) };
  }
}

export function summarize(admin: GraphEmulatorAdmin): Record<string, unknown> {
  return {
    users: admin.users().map((m) => ({ id: m.id, userPrincipalName: m.userPrincipalName, calendars: [...m.calendars.values()].map((c) => ({ id: c.id, name: c.name })), events: m.events.size })),
    subscriptions: admin.subscriptions().map((s) => ({ id: s.id, resource: s.resource, notificationUrl: s.notificationUrl, expirationDateTime: new Date(s.expirationMs).toISOString() })),
  };
}
