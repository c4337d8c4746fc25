/**
 * Which `CalendarProvider` serves an integration. A registry keyed by provider kind, so the CLI, the
 * workers and the server share one way of turning stored (encrypted) credentials into a live client,
 * and tests can register the in-process memory provider under any kind.
 */
import { CalsyncError } from '../errors.js';
import { CalDavProvider, ICLOUD_CALDAV_URL } from '../providers/caldav/caldav-provider.js';
import type { CalendarProvider } from '../providers/types.js';
import { outlookProviderFactory } from './outlook/connection.js';
import type { Integration, ProviderKind, Store } from '../store/types.js';
import type { Clock } from '../util/clock.js';
import type { HostRateLimiter } from '../net/shared-politeness.js';
import type { Politeness } from './politeness.js';

export interface ProviderContext {
  store: Store;
  clock: Clock;
  /** Allow CalDAV servers on loopback/private networks (`CALSYNC_ALLOW_PRIVATE_URLS`). */
  allowPrivateUrls: boolean;
  /**
   * Per-host politeness shared by every CalDAV provider of the process (iCloud is one host for every
   * tenant), kept in Redis for the whole deployment when there is one (`openPoliteness`). Default: each
   * provider its own.
   */
  politeness?: Politeness;
}

export type ProviderFactory = (integration: Integration, credentials: Record<string, unknown>, ctx: ProviderContext) => Promise<CalendarProvider> | CalendarProvider;

function requireString(value: unknown, what: string, integration: Integration): string {
  if (typeof value !== 'string' || value === '') {
    throw new CalsyncError('CONFIG', `integration "${integration.name}" has no ${what}; reconnect it`, { details: { integrationId: integration.id } });
  }
  return value;
}

/**
 * The rate limit is per account on a host (iCloud throttles an Apple ID, not the thousands of tenants
 * behind one client), shared by every integration and process using that account; the circuit breaker
 * is per server (an outage is the server's).
 */
function perAccount(limiter: HostRateLimiter, username: string): HostRateLimiter {
  return { take: (host, signal) => limiter.take(`${host}/${encodeURIComponent(username)}`, signal) };
}

const caldavFactory: ProviderFactory = (integration, credentials, ctx) => {
  const username = requireString(integration.config.username, 'username', integration);
  return new CalDavProvider({
    url: integration.provider === 'icloud' ? ICLOUD_CALDAV_URL : requireString(integration.config.url, 'server URL', integration),
    username,
    password: requireString(credentials.password, 'password', integration),
    clock: ctx.clock,
    allowPrivate: ctx.allowPrivateUrls || integration.config.allowPrivate === true,
    ...(ctx.politeness ? { rateLimiter: perAccount(ctx.politeness.rateLimiter, username), policies: ctx.politeness.policies } : {}),
  });
};

export class ProviderRegistry {
  private readonly factories = new Map<string, ProviderFactory>();
  /** Live providers by integration id: circuit breakers and rate limits are per server, not per call. */
  private readonly live = new Map<string, Promise<CalendarProvider>>();

  constructor(private readonly ctx: ProviderContext) {
    this.register('caldav', caldavFactory);
    this.register('icloud', caldavFactory);
    this.register('outlook', outlookProviderFactory);
  }

  register(kind: ProviderKind | string, factory: ProviderFactory): this {
    this.factories.set(kind, factory);
    return this;
  }

  /** The provider for an integration, created once per process and reused. */
  async forIntegration(integration: Integration): Promise<CalendarProvider> {
    const existing = this.live.get(integration.id);
    if (existing) return existing;
    const factory = this.factories.get(integration.provider);
    if (!factory) throw new CalsyncError('CONFIG', `no provider for integrations of kind "${integration.provider}"`);
    const created = (async () => {
      const credentials = await this.ctx.store.integrations.getCredentials(integration.tenantId, integration.id);
      return factory(integration, credentials, this.ctx);
    })();
    this.live.set(integration.id, created);
    created.catch(() => this.live.delete(integration.id));
    return created;
  }

  /** Drops a cached provider (credentials changed, integration disconnected). */
  async forget(integrationId: string): Promise<void> {
    const provider = this.live.get(integrationId);
    this.live.delete(integrationId);
    if (provider) await (await provider.catch(() => undefined))?.close?.();
  }

  async close(): Promise<void> {
    await Promise.all([...this.live.keys()].map((id) => this.forget(id)));
    await this.ctx.politeness?.close();
  }
}
