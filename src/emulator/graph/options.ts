/** Options of the Graph emulator, each with its default (merged once, in `resolveOptions`). */
import type { DeltaOptions } from './delta.js';
import type { DeliveryOptions } from './notifier.js';
import type { MailboxSeed } from './store.js';
import type { SubscriptionOptions } from './subscriptions.js';
import type { ThrottleOptions } from './throttle.js';
import type { TlsMaterial } from './tls.js';
import type { TokenOptions } from './tokens.js';
import type { Clock } from '../../util/clock.js';

export interface GraphEmulatorOptions {
  /** Time source for every expiry, window and backoff. Default: the system clock. */
  clock?: Clock;
  /** Serve HTTPS with a generated self-signed certificate. Default true (the JS client needs it). */
  https?: boolean;
  /** Reuse a certificate instead of generating one (saves ~100 ms per start). */
  tls?: TlsMaterial;
  /** Listen address. Default 127.0.0.1. */
  host?: string;
  /** Listen port. Default 0 (a free port). */
  port?: number;
  /** Users (mailboxes), each with a default calendar. Default: one user, adele@contoso.onmicrosoft.com. */
  users?: MailboxSeed[];
  /** Tenant GUID in tokens and the authority. Default a fixed test GUID. */
  tenantId?: string;
  /** Page size of event collections without $top. Default 10 (Graph's). */
  pageSize?: number;
  /**
   * Inner requests of a $batch run at once. Default 20: every inner request at once, so a batch of more
   * than 4 to one mailbox gets per-request 429 MailboxConcurrency inside its 200, as live Graph answered
   * (microsoft-graph-docs#2886, #8760). 4 reproduces Graph's documented behaviour since 2022 (4 in parallel).
   */
  batchConcurrency?: number;
  /** Extra CA certificates trusted when POSTing to webhook receivers. */
  notificationCa?: string[];
  delta?: Partial<DeltaOptions>;
  throttle?: Partial<ThrottleOptions>;
  tokens?: Partial<TokenOptions>;
  delivery?: Partial<DeliveryOptions>;
  subscriptions?: Partial<SubscriptionOptions>;
  /** Where live Graph is stricter than its documentation, or varies. Each defaults to the strict side. */
  strict?: Partial<StrictOptions>;
}

/**
 * Graph behaviour a lenient emulator would hide (issue 15). Every default is the strict side, so the
 * connector is tested against it; a test that needs the documented or kinder behaviour turns one off.
 */
export interface StrictOptions {
  /**
   * GETs return `body` as HTML, whatever was written ("in only HTML format", event-get.md), unless
   * `Prefer: outlook.body-content-type="text"` asks for text. Default true.
   */
  htmlBodies: boolean;
  /**
   * Longest window of calendarView, calendarView/delta and instances, in days; longer is 400
   * ErrorInvalidRequest "… Maximum number of days: 1825" (microsoft-graph-docs#6284). 0: unlimited.
   * Default 1825. (For instances the limit is not documented; the same is applied.)
   */
  maxWindowDays: number;
  /** A new event raises `created` and then `updated`, as users observe live (microsoft-graph-docs#7598). Default true. */
  createAlsoUpdates: boolean;
  /** The validation token is sent form-encoded (`Validation%3a+Testing+…`), as Graph sends it. Default true. */
  formEncodedValidationToken: boolean;
  /**
   * An expired delta token: `observed` answers 410 `SyncStateNotFound` "The sync state generation is not
   * found; generation=…" (microsoft-graph-docs#2350); `documented` answers `syncStateNotFound`. Default observed.
   */
  expiredDeltaToken: 'observed' | 'documented';
  /**
   * All-day recurring series report `originalStartTimeZone: "UTC"` while `originalStart` is local
   * midnight in the creator's zone (a live quirk). Default true.
   */
  allDayOriginalZoneUtc: boolean;
}

export interface ResolvedOptions {
  https: boolean;
  host: string;
  port: number;
  users: MailboxSeed[];
  tenantId: string;
  pageSize: number;
  batchConcurrency: number;
  notificationCa: string[];
  delta: DeltaOptions;
  throttle: ThrottleOptions;
  tokens: TokenOptions;
  delivery: DeliveryOptions;
  subscriptions: SubscriptionOptions;
  strict: StrictOptions;
}

const MINUTE = 60_000;

export function resolveOptions(o: GraphEmulatorOptions): ResolvedOptions {
  return {
    https: o.https ?? true,
    host: o.host ?? '127.0.0.1',
    port: o.port ?? 0,
    users: o.users ?? [{ id: '87d349ed-44d7-43e1-9a83-5f2406dee5bd', userPrincipalName: 'adele@contoso.onmicrosoft.com', displayName: 'Adele Vance' }],
    tenantId: o.tenantId ?? 'b6b5e7a4-3f5c-4b8e-9d21-0c6f1a2e7d11',
    pageSize: o.pageSize ?? 10,
    batchConcurrency: o.batchConcurrency ?? 20,
    notificationCa: o.notificationCa ?? [],
    delta: { tokenLifetimeMs: 30 * 24 * 60 * MINUTE, cacheSize: 1000, defaultPageSize: 10, ...o.delta },
    throttle: { concurrency: 4, budget: 10_000, windowMs: 10 * MINUTE, concurrencyRetryAfterS: 1, ...o.throttle },
    tokens: { accessTokenLifetimeMs: 60 * MINUTE, refreshTokenLifetimeMs: 90 * 24 * 60 * MINUTE, ...o.tokens },
    delivery: {
      timeoutMs: 3000,
      retryBaseMs: 10_000,
      retryMaxMs: 15 * MINUTE,
      retryWindowMs: 4 * 60 * MINUTE,
      maxAttempts: 30,
      slowThresholdMs: 2900,
      slowWindowMs: 10 * MINUTE,
      slowMinSample: 100,
      slowThrottleDelayMs: 10 * MINUTE,
      pumpIntervalMs: 50,
      ...o.delivery,
    },
    subscriptions: {
      maxLifetimeMinutes: 10_070,
      maxPerMailbox: 1000,
      validationTimeoutMs: 10_000,
      allowHttpLoopback: true,
      reauthorizationLeadMs: 15 * MINUTE,
      reauthorizationIntervalMs: 15 * MINUTE,
      reauthorizationGraceMs: 60 * MINUTE,
      tickIntervalMs: 1000,
      grantLifetimeMinutes: 0,
      ...o.subscriptions,
    },
    strict: {
      htmlBodies: true,
      maxWindowDays: 1825,
      createAlsoUpdates: true,
      formEncodedValidationToken: true,
      expiredDeltaToken: 'observed',
      allDayOriginalZoneUtc: true,
      ...o.strict,
    },
  };
}
