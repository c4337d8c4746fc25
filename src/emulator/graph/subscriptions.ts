/**
 * Change-notification subscriptions (api/subscription-post-subscriptions.md and siblings): the
 * validation handshake on create, lifetime rules, per-app visibility, and the mapping from store
 * changes to notifications. Expiry is judged on the injected clock; an expired subscription
 * simply stops, as on Graph.
 *
 * Reauthorization (change-notifications-lifecycle-events.md): each subscription remembers when
 * the access token behind it expires. When that time or the subscription's own expiry is near,
 * `reauthorizationRequired` goes to the lifecycle URL, repeated at an interval; once the token
 * has lapsed for longer than a grace period, change notifications pause (they are lost, as on
 * Graph) until the app reauthorizes or renews with a valid token.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../util/clock.js';
import { GraphError, badRequest } from './graph-error.js';
import type { WebhookPoster } from './http-post.js';
import type { StoreChange } from './model.js';
import type { StrictOptions } from './options.js';
import type { Notifier } from './notifier.js';
import { type LifecycleEvent, type Subscription, changeNotification, lifecycleNotification } from './subscription-json.js';
import { CHANGE_TYPES, checkExpiration, checkNotificationUrl, parseResource, validationHandshake } from './subscription-rules.js';
import type { GraphStore } from './store.js';
import type { Principal } from './tokens.js';

export interface SubscriptionOptions {
  /** Longest lifetime accepted. Default 10,070 minutes (live Graph, observed). */
  maxLifetimeMinutes: number;
  /** Active subscriptions per mailbox. Default 1,000. */
  maxPerMailbox: number;
  /** Time the receiver has to echo the validation token. Default 10 s. */
  validationTimeoutMs: number;
  /** Accept http:// notification URLs on loopback hosts (local development). Default true. */
  allowHttpLoopback: boolean;
  /** How long before token or subscription expiry `reauthorizationRequired` starts. Default 15 min. */
  reauthorizationLeadMs: number;
  /** Interval between repeated `reauthorizationRequired` notices. Default 15 min. */
  reauthorizationIntervalMs: number;
  /** How long after the token lapsed notifications keep flowing. Default 60 min. */
  reauthorizationGraceMs: number;
  /** Real-time period of the lifecycle check (it reads the injected clock). Default 1 s. */
  tickIntervalMs: number;
  /**
   * Grant at most this lifetime, whatever was asked (Graph decides the expiry it returns; clients must
   * use it). Default 0: as asked.
   */
  grantLifetimeMinutes: number;
}

export type { LifecycleEvent, Subscription } from './subscription-json.js';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const subscriptionNotFound = (): GraphError => new GraphError(404, 'ResourceNotFound', 'The object was not found.');

export class SubscriptionService {
  private readonly subs = new Map<string, Subscription>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly clock: Clock,
    private readonly store: GraphStore,
    private readonly notifier: Notifier,
    private readonly sender: WebhookPoster,
    private readonly opts: SubscriptionOptions,
    private readonly strict: Pick<StrictOptions, 'createAlsoUpdates' | 'formEncodedValidationToken'> = { createAlsoUpdates: true, formEncodedValidationToken: true },
  ) {
    store.onChange((c) => this.onChange(c));
    this.timer = setInterval(() => this.tick(), opts.tickIntervalMs);
    this.timer.unref();
    notifier.onDropped = (ids) => {
      for (const id of ids) {
        const sub = this.subs.get(id);
        if (sub) this.sendLifecycle(sub, 'missed');
      }
    };
  }

  async create(principal: Principal, body: unknown, prefs: { immutableIds?: boolean } = {}): Promise<Subscription> {
    if (!isRecord(body)) throw badRequest('The request body must be a JSON object.');
    const { changeType, notificationUrl, resource, expirationDateTime, clientState, lifecycleNotificationUrl } = body;
    if (typeof changeType !== 'string' || changeType.split(',').some((c) => !CHANGE_TYPES.includes(c.trim())))
      throw badRequest(`Invalid 'changeType' value '${String(changeType)}'.`);
    if (typeof resource !== 'string') throw badRequest("A 'resource' is required.");
    if (typeof notificationUrl !== 'string') throw badRequest("A 'notificationUrl' is required.");
    checkNotificationUrl(notificationUrl, 'notificationUrl', this.opts.allowHttpLoopback);
    if (lifecycleNotificationUrl !== undefined && lifecycleNotificationUrl !== null) {
      if (typeof lifecycleNotificationUrl !== 'string') throw badRequest("Invalid 'lifecycleNotificationUrl'.");
      checkNotificationUrl(lifecycleNotificationUrl, 'lifecycleNotificationUrl', this.opts.allowHttpLoopback);
    }
    if (clientState !== undefined && clientState !== null && (typeof clientState !== 'string' || clientState.length > 128))
      throw badRequest("'clientState' must be a string of at most 128 characters.");
    const expirationMs = this.granted(checkExpiration(expirationDateTime, this.clock.now(), this.opts.maxLifetimeMinutes));
    const scope = this.resolveResource(resource, principal);
    const active = [...this.subs.values()].filter((s) => s.mailboxId === scope.mailboxId && s.expirationMs > this.clock.now());
    if (active.length >= this.opts.maxPerMailbox)
      throw new GraphError(403, 'ExtensionError', 'Operation: Create; Exception: [Status Code: Forbidden; Reason: Number of subscriptions exceeds limit]');
    const formEncoded = this.strict.formEncodedValidationToken;
    await validationHandshake(this.sender, notificationUrl, this.opts.validationTimeoutMs, formEncoded);
    if (typeof lifecycleNotificationUrl === 'string') await validationHandshake(this.sender, lifecycleNotificationUrl, this.opts.validationTimeoutMs, formEncoded);
    const sub: Subscription = {
      id: randomUUID(),
      resource,
      changeType: changeType.split(',').map((c) => c.trim()).join(','),
      clientState: typeof clientState === 'string' ? clientState : null,
      notificationUrl,
      lifecycleNotificationUrl: typeof lifecycleNotificationUrl === 'string' ? lifecycleNotificationUrl : null,
      expirationMs,
      applicationId: principal.clientId,
      creatorId: principal.userId,
      tenantId: principal.tenantId,
      mailboxId: scope.mailboxId,
      calendarId: scope.calendarId,
      latestSupportedTlsVersion: typeof body.latestSupportedTlsVersion === 'string' ? body.latestSupportedTlsVersion : 'v1_2',
      includeResourceData: body.includeResourceData === true,
      tokenExpiresMs: principal.tokenExpiresMs ?? null,
      lastReauthNoticeMs: null,
      immutableIds: prefs.immutableIds === true,
    };
    this.subs.set(sub.id, sub);
    return sub;
  }

  /** The mailbox and calendar a resource path names; delegated callers reach only their own. */
  private resolveResource(resource: string, principal: Principal): { mailboxId: string; calendarId: string } {
    const { user, calendarId } = parseResource(resource);
    const mb = this.store.mailbox(user ?? principal.userId);
    if (mb.id !== principal.userId) throw new GraphError(403, 'ExtensionError', 'Operation: Create; Exception: [Status Code: Forbidden; Reason: Access is denied.]');
    return { mailboxId: mb.id, calendarId: calendarId === undefined ? mb.defaultCalendarId : this.store.calendar(mb, calendarId).id };
  }

  /** The expiry granted for an accepted request: as asked, or capped by `grantLifetimeMinutes`. */
  private granted(askedMs: number): number {
    const grant = this.opts.grantLifetimeMinutes;
    return grant > 0 ? Math.min(askedMs, this.clock.now() + grant * 60_000) : askedMs;
  }

  /** A subscription this app may see; expired ones are gone. */
  get(principal: Principal, id: string): Subscription {
    this.sweep();
    const sub = this.subs.get(id);
    if (!sub || sub.applicationId !== principal.clientId) throw subscriptionNotFound();
    return sub;
  }

  list(principal: Principal): Subscription[] {
    this.sweep();
    return [...this.subs.values()].filter((s) => s.applicationId === principal.clientId);
  }

  update(principal: Principal, id: string, body: unknown): Subscription {
    const sub = this.get(principal, id);
    if (!isRecord(body)) throw badRequest('The request body must be a JSON object.');
    if ('lifecycleNotificationUrl' in body) throw badRequest("'lifecycleNotificationUrl' cannot be changed; recreate the subscription.");
    if ('expirationDateTime' in body) sub.expirationMs = this.granted(checkExpiration(body.expirationDateTime, this.clock.now(), this.opts.maxLifetimeMinutes));
    if ('notificationUrl' in body) {
      if (typeof body.notificationUrl !== 'string') throw badRequest("Invalid 'notificationUrl'.");
      checkNotificationUrl(body.notificationUrl, 'notificationUrl', this.opts.allowHttpLoopback);
      sub.notificationUrl = body.notificationUrl;
    }
    // Renewing also reauthorizes (lifecycle events doc).
    this.authorize(sub, principal);
    return sub;
  }

  /** POST /subscriptions/{id}/reauthorize: the subscription now lives on the caller's token. */
  reauthorize(principal: Principal, id: string): void {
    this.authorize(this.get(principal, id), principal);
  }

  private authorize(sub: Subscription, principal: Principal): void {
    sub.tokenExpiresMs = principal.tokenExpiresMs ?? null;
    sub.lastReauthNoticeMs = null;
  }

  /** Admin: the tokens behind a user's subscriptions lapse now (expired or revoked). */
  tokensLapsed(userId: string | undefined): void {
    const now = this.clock.now();
    for (const sub of this.subs.values()) {
      if (userId === undefined || sub.creatorId === userId) sub.tokenExpiresMs = Math.min(sub.tokenExpiresMs ?? now, now);
    }
    this.tick();
  }

  /** Forget expired subscriptions and send due `reauthorizationRequired` notices. */
  tick(): void {
    this.sweep();
    const now = this.clock.now();
    const lead = this.opts.reauthorizationLeadMs;
    for (const sub of this.subs.values()) {
      const tokenNear = sub.tokenExpiresMs !== null && sub.tokenExpiresMs - now <= lead;
      if (!tokenNear && sub.expirationMs - now > lead) continue;
      if (sub.lastReauthNoticeMs !== null && now - sub.lastReauthNoticeMs < this.opts.reauthorizationIntervalMs) continue;
      if (this.sendLifecycle(sub, 'reauthorizationRequired')) sub.lastReauthNoticeMs = now;
    }
  }

  close(): void {
    clearInterval(this.timer);
  }

  delete(principal: Principal, id: string): void {
    this.get(principal, id);
    this.subs.delete(id);
  }

  /** All subscriptions, for the admin API. */
  all(): Subscription[] {
    this.sweep();
    return [...this.subs.values()];
  }

  /** Admin: drop a subscription as Graph does on its own, telling the app when it can be told. */
  remove(id: string): boolean {
    const sub = this.subs.get(id);
    if (!sub) return false;
    this.subs.delete(id);
    this.sendLifecycle(sub, 'subscriptionRemoved');
    return true;
  }

  sendLifecycle(sub: Subscription, event: LifecycleEvent): boolean {
    if (!sub.lifecycleNotificationUrl) return false;
    this.notifier.enqueue(sub.lifecycleNotificationUrl, lifecycleNotification(sub, event));
    return true;
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [id, s] of this.subs) if (s.expirationMs <= now) this.subs.delete(id);
  }

  private onChange(change: StoreChange): void {
    this.tick();
    const now = this.clock.now();
    // Live Graph follows a `created` with an `updated` for the same event (microsoft-graph-docs#7598).
    const changes: StoreChange[] = change.changeType === 'created' && this.strict.createAlsoUpdates ? [change, { ...change, changeType: 'updated' }] : [change];
    for (const sub of this.subs.values()) {
      if (sub.mailboxId !== change.mailbox.id || sub.calendarId !== change.calendarId) continue;
      for (const c of changes) {
        if (!sub.changeType.split(',').includes(c.changeType)) continue;
        const item = changeNotification(sub, c);
        const paused = sub.tokenExpiresMs !== null && now - sub.tokenExpiresMs > this.opts.reauthorizationGraceMs;
        if (paused) this.notifier.discard(sub.notificationUrl, item, 'subscription awaits reauthorization');
        else this.notifier.enqueue(sub.notificationUrl, item);
      }
    }
  }
}
