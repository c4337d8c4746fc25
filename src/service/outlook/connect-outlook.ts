/**
 * Connecting an Outlook mailbox: OAuth2 authorization code + PKCE through MSAL with a loopback
 * redirect, the calendars listed with the new tokens (so a broken grant is caught before anything is
 * saved), then the integration stored — MSAL cache and subscription key in the encrypted credentials —
 * with its calendars. Against the emulator (any `--graph-url` but Microsoft's) consent is implied and
 * the authorize URL redirects straight back, so the flow follows it itself and needs no browser.
 *
 * Connecting again under the name of an integration that waits for re-authorization (`needs_reauth`,
 * e.g. a revoked grant) signs the same mailbox in again: the integration, its calendars, links and
 * subscription key stay; only the tokens are replaced and the integration becomes active. With a queue,
 * it then catches up at once (`reconnect-catch-up.ts`): the subscription is reauthorized, the jobs
 * parked in the dead letters by the rejected credentials are replayed, and every calendar delta-syncs.
 */
import { randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { CalsyncError } from '../../errors.js';
import { GRAPH_V1_BASE_URL } from '../../providers/graph/constants.js';
import type { JobQueue } from '../../queue/types.js';
import type { CalendarRecord, Integration, Store } from '../../store/types.js';
import type { Clock } from '../../util/clock.js';
import { catchUpAfterReconnect, type CatchUpReport } from '../reconnect-catch-up.js';
import { graphAuthFor, openOutlookConnection, type OutlookConfig } from './connection.js';
import { startLoopbackCallback } from './loopback-callback.js';
import { newSubscriptionKey } from './subscription-record.js';

export const MICROSOFT_AUTHORITY = 'https://login.microsoftonline.com/common';
/** Used against the emulator, which accepts any client id; a real tenant needs an app registration. */
export const DEV_CLIENT_ID = 'calsync-dev-client';

export interface ConnectOutlookInput {
  /** Graph origin or `…/v1.0`; default Microsoft Graph. Anything else is treated as an emulator. */
  graphUrl?: string;
  loginHint?: string;
  /** App registration (public client) id; required for Microsoft Graph. */
  clientId?: string;
  /** PEM to trust for Graph and the identity endpoints (the emulator's certificate). */
  ca?: string;
  name?: string;
  /** Shows the sign-in URL to the user (print it, open a browser). Not called for the emulator. */
  openBrowser?: (url: string) => void | Promise<void>;
  timeoutMs?: number;
}

export interface ConnectOutlookResult {
  integration: Integration;
  calendars: CalendarRecord[];
  username: string;
  /** True when an integration waiting for re-authorization was signed in again (nothing new created). */
  reconnected: boolean;
  /** What a reconnect set going (with a queue). */
  caughtUp?: CatchUpReport;
}

export interface ConnectOutlookDeps {
  store: Store;
  clock: Clock;
  /** Called after a re-authorized integration was saved (drop cached providers that hold old tokens). */
  onReconnect?: (integration: Integration) => Promise<void>;
  /** Where a reconnect's catch-up jobs go; without it they wait for the sweeps and polls. */
  queue?: JobQueue;
  /** `CALSYNC_PUBLIC_URL` (subscriptions are reauthorized only when set). */
  publicUrl?: string;
}

function endpoints(input: ConnectOutlookInput): Omit<OutlookConfig, 'redirectUri'> & { emulator: boolean } {
  const clientId = input.clientId ?? process.env.CALSYNC_OUTLOOK_CLIENT_ID;
  if (!input.graphUrl || new URL(input.graphUrl).host === new URL(GRAPH_V1_BASE_URL).host) {
    if (!clientId) throw new CalsyncError('VALIDATION', 'connecting Microsoft Graph needs an app registration: --client-id ID or CALSYNC_OUTLOOK_CLIENT_ID');
    return { graphUrl: GRAPH_V1_BASE_URL, authority: MICROSOFT_AUTHORITY, clientId, emulator: false, ...(input.ca ? { ca: input.ca } : {}) };
  }
  const url = new URL(input.graphUrl);
  return {
    graphUrl: `${url.origin}/v1.0`,
    authority: `${url.origin}/common`,
    knownAuthorities: [url.host],
    clientId: clientId ?? DEV_CLIENT_ID,
    emulator: true,
    ...(input.ca ? { ca: input.ca } : {}),
  };
}

/** One GET whose body is drained and dropped (node:http, see src/net/http-fetch.ts for why not undici). */
function get(url: string, ca: string | undefined): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(target, { method: 'GET', agent: false, ...(ca && target.protocol === 'https:' ? { ca } : {}) }, (res) => {
      res.resume();
      res.on('end', () => resolve(res));
      res.on('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new CalsyncError('PROVIDER_TIMEOUT', `no answer from ${target.origin} within 30 s`)));
    req.on('error', reject);
    req.end();
  });
}

/** The emulator consents at once: follow its redirect to our callback as a browser would. */
async function followWithoutBrowser(authorizeUrl: string, ca: string | undefined): Promise<void> {
  const res = await get(authorizeUrl, ca);
  const location = res.headers.location;
  if (res.statusCode !== 302 || typeof location !== 'string') throw new CalsyncError('PROVIDER_AUTH', `the authorize endpoint answered ${res.statusCode ?? 'nothing'} instead of redirecting back`);
  await get(location, undefined);
}

/** The integration this sign-in re-authorizes, or undefined for a new one; refuses a clash of names or mailboxes. */
async function reauthorizes(store: Store, tenantId: string, name: string, homeAccountId: string, username: string): Promise<Integration | undefined> {
  const existing = await store.integrations.getByName(tenantId, name);
  if (!existing) return undefined;
  if (existing.provider !== 'outlook' || existing.status !== 'needs_reauth') {
    throw new CalsyncError('VALIDATION', `an integration named "${name}" exists already; choose another --name`);
  }
  if (existing.config.homeAccountId !== homeAccountId) {
    const owner = typeof existing.config.username === 'string' ? existing.config.username : 'another mailbox';
    throw new CalsyncError('VALIDATION', `"${name}" belongs to ${owner}, but the sign-in was ${username}; sign in as ${owner} to reconnect it`);
  }
  return existing;
}

export async function connectOutlook(deps: ConnectOutlookDeps, tenantId: string, input: ConnectOutlookInput): Promise<ConnectOutlookResult> {
  const target = endpoints(input);
  const state = randomBytes(16).toString('base64url');
  const callback = await startLoopbackCallback(state, input.timeoutMs);
  let msalCache: string | undefined;
  const cacheStore = { load: async () => msalCache, save: async (c: string) => void (msalCache = c) };
  const { emulator, ...endpointConfig } = target;
  const config: OutlookConfig = { ...endpointConfig, redirectUri: callback.redirectUri };
  const auth = graphAuthFor(config, cacheStore);
  let account;
  try {
    const { url, codeVerifier } = await auth.authorizationUrl(state);
    const signInUrl = input.loginHint ? `${url}&login_hint=${encodeURIComponent(input.loginHint)}` : url;
    if (emulator) await followWithoutBrowser(signInUrl, config.ca);
    else await input.openBrowser?.(signInUrl);
    account = await auth.redeemCode(await callback.code, codeVerifier);
  } finally {
    await callback.close();
    await auth.close();
  }

  const name = input.name ?? `Outlook ${account.username}`;
  const previous = await reauthorizes(deps.store, tenantId, name, account.homeAccountId, account.username);
  const integrationConfig: OutlookConfig = { ...config, homeAccountId: account.homeAccountId, username: account.username };
  let integration: Integration;
  if (previous) {
    // The subscription key stays: notifications already on their way keep verifying.
    const credentials = await deps.store.integrations.getCredentials(tenantId, previous.id);
    await deps.store.integrations.setCredentials(tenantId, previous.id, { ...credentials, ...(msalCache ? { msalCache } : {}) });
    integration = previous;
  } else {
    integration = await deps.store.integrations.create(tenantId, {
      provider: 'outlook',
      name,
      config: { ...integrationConfig },
      credentials: { ...(msalCache ? { msalCache } : {}), subscriptionKey: newSubscriptionKey() },
    });
  }
  const { provider } = openOutlookConnection(deps.store, integration, { clock: deps.clock });
  try {
    const remote = await provider.listCalendars();
    if (previous) {
      integration = await deps.store.integrations.update(tenantId, previous.id, { config: { ...integrationConfig }, status: 'active', statusReason: undefined });
      await deps.onReconnect?.(integration);
    }
    const calendars: CalendarRecord[] = [];
    for (const cal of remote) {
      calendars.push(await deps.store.calendars.upsert(tenantId, integration.id, { remoteId: cal.remoteId, name: cal.name, ...(cal.color ? { color: cal.color } : {}), enabled: cal.writable }));
    }
    const caughtUp = previous && deps.queue ? await catchUpAfterReconnect({ store: deps.store, queue: deps.queue, ...(deps.publicUrl ? { publicUrl: deps.publicUrl } : {}) }, integration) : undefined;
    return { integration, calendars, username: account.username, reconnected: previous !== undefined, ...(caughtUp ? { caughtUp } : {}) };
  } catch (err) {
    // A new integration that cannot list its calendars is not kept; a reconnect keeps waiting for re-auth.
    if (!previous) await deps.store.integrations.delete(tenantId, integration.id);
    throw err;
  } finally {
    await provider.close();
  }
}
