/**
 * Turns a stored Outlook integration into a live Graph connection: MSAL auth whose token cache lives in
 * the integration's credentials (encrypted at rest by the store), one HTTP client per mailbox (the
 * 4-request cap is per mailbox) and the `GraphProvider` the sync engine uses. The subscription manager
 * needs the same client, so the factory remembers which client belongs to which provider.
 */
import { CalsyncError } from '../../errors.js';
import { GraphAuth, GraphClient, GraphProvider, serialQueue, type Serialize, type TokenCacheStore } from '../../providers/graph/index.js';
import { createTransport } from '../../providers/graph/http/transport.js';
import type { CalendarProvider } from '../../providers/types.js';
import type { Integration, Store } from '../../store/types.js';
import type { Clock } from '../../util/clock.js';
import type { ProviderFactory, ProviderRegistry } from '../providers.js';

/** Non-secret settings of an Outlook integration (`Integration.config`). */
export interface OutlookConfig {
  /** Graph base URL, e.g. `https://graph.microsoft.com/v1.0` or the emulator's `…/v1.0`. */
  graphUrl: string;
  authority: string;
  clientId: string;
  redirectUri: string;
  knownAuthorities?: string[];
  /** Extra CA (PEM) to trust for Graph and the identity endpoints (the emulator's certificate). */
  ca?: string;
  homeAccountId?: string;
  username?: string;
}

/** Secret settings (`integrations.getCredentials`, encrypted at rest). */
export interface OutlookCredentials {
  /** The serialized MSAL token cache (holds the refresh token). */
  msalCache?: string;
  /** 32 random bytes (hex) that seal the subscriptions' clientStates in the sync state. */
  subscriptionKey?: string;
}

export function outlookConfig(integration: Integration): OutlookConfig {
  const c = integration.config;
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const graphUrl = str(c.graphUrl);
  const authority = str(c.authority);
  const clientId = str(c.clientId);
  const redirectUri = str(c.redirectUri);
  if (!graphUrl || !authority || !clientId || !redirectUri) {
    throw new CalsyncError('CONFIG', `Outlook integration "${integration.name}" is incomplete; reconnect it`, { details: { integrationId: integration.id } });
  }
  const known = Array.isArray(c.knownAuthorities) ? c.knownAuthorities.filter((a): a is string => typeof a === 'string') : undefined;
  return {
    graphUrl,
    authority,
    clientId,
    redirectUri,
    ...(known && known.length > 0 ? { knownAuthorities: known } : {}),
    ...(str(c.ca) ? { ca: str(c.ca) } : {}),
    ...(str(c.homeAccountId) ? { homeAccountId: str(c.homeAccountId) } : {}),
    ...(str(c.username) ? { username: str(c.username) } : {}),
  };
}

/**
 * Process-wide locks per key, released when idle: `credentials:<integration>` around every
 * read-modify-write of an integration's credentials, `token:<integration>` around MSAL token
 * acquisitions (every `GraphAuth` of the integration in this process shares the stored cache). Lock
 * order is token → credentials (a token save writes the credentials), never the reverse.
 */
const locks = new Map<string, { run: Serialize; users: number }>();

export function withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  let entry = locks.get(key);
  if (!entry) {
    entry = { run: serialQueue(), users: 0 };
    locks.set(key, entry);
  }
  const held = entry;
  held.users += 1;
  return held.run(fn).finally(() => {
    held.users -= 1;
    if (held.users === 0 && locks.get(key) === held) locks.delete(key);
  });
}

/** The token lock of an integration (see `withLock`). */
export function tokenLock(integrationId: string): Serialize {
  return (fn) => withLock(`token:${integrationId}`, fn);
}

/**
 * Atomic (within the process) read-modify-write of an integration's credentials: concurrent writers of
 * different fields (the MSAL cache, the subscription key) never lose each other's update.
 */
export async function updateCredentials(
  store: Store,
  integration: Pick<Integration, 'tenantId' | 'id'>,
  update: (current: Record<string, unknown>) => Record<string, unknown>,
): Promise<void> {
  await withLock(`credentials:${integration.id}`, async () => {
    const current = await store.integrations.getCredentials(integration.tenantId, integration.id);
    await store.integrations.setCredentials(integration.tenantId, integration.id, update(current));
  });
}

/**
 * The MSAL cache kept in the integration's credentials. Every save merges into the current credentials
 * (under the integration's credentials lock) so the other fields (the subscription key) are never lost.
 */
export function credentialsCacheStore(store: Store, integration: Pick<Integration, 'tenantId' | 'id'>): TokenCacheStore {
  return {
    async load() {
      const creds = (await store.integrations.getCredentials(integration.tenantId, integration.id)) as OutlookCredentials;
      return typeof creds.msalCache === 'string' ? creds.msalCache : undefined;
    },
    async save(cache) {
      await updateCredentials(store, integration, (creds) => ({ ...creds, msalCache: cache }));
    },
  };
}

export function graphAuthFor(config: OutlookConfig, cacheStore: TokenCacheStore, opts: { serialize?: Serialize } = {}): GraphAuth {
  return new GraphAuth({
    clientId: config.clientId,
    authority: config.authority,
    redirectUri: config.redirectUri,
    cacheStore,
    ...(config.knownAuthorities ? { knownAuthorities: config.knownAuthorities } : {}),
    ...(config.ca ? { ca: config.ca } : {}),
    ...(config.homeAccountId ? { homeAccountId: config.homeAccountId } : {}),
    ...(opts.serialize ? { serialize: opts.serialize } : {}),
  });
}

export interface OutlookConnection {
  provider: GraphProvider;
  client: GraphClient;
  auth: GraphAuth;
}

/** Builds the connection for one mailbox; `close()` on the provider releases the transport and MSAL. */
export function openOutlookConnection(store: Store, integration: Integration, opts: { clock?: Clock } = {}): OutlookConnection {
  const config = outlookConfig(integration);
  // One token lock per integration in the process, whatever number of connections is open.
  const auth = graphAuthFor(config, credentialsCacheStore(store, integration), { serialize: tokenLock(integration.id) });
  const transport = createTransport(config.ca ? { ca: config.ca } : {});
  const client = new GraphClient({ baseUrl: config.graphUrl, getToken: auth.getToken, fetch: transport.fetch, ...(opts.clock ? { clock: opts.clock } : {}) });
  const provider = new GraphProvider({
    client,
    ...(opts.clock ? { clock: opts.clock } : {}),
    onClose: async () => {
      await transport.close();
      await auth.close();
    },
  });
  clients.set(provider, client);
  return { provider, client, auth };
}

const clients = new WeakMap<CalendarProvider, GraphClient>();

export const outlookProviderFactory: ProviderFactory = (integration, _credentials, ctx) => openOutlookConnection(ctx.store, integration, { clock: ctx.clock }).provider;

/** The Graph client behind an Outlook integration's provider (created through the registry, so shared). */
export async function graphClientFor(providers: ProviderRegistry, integration: Integration): Promise<GraphClient> {
  const provider = await providers.forIntegration(integration);
  const client = clients.get(provider);
  if (!client) throw new CalsyncError('CONFIG', `integration "${integration.name}" is not an Outlook integration`);
  return client;
}
