/**
 * Delegated Outlook auth with MSAL Node: authorization code + PKCE for `offline_access
 * Calendars.ReadWrite`, then silent refresh. MSAL never hands out refresh tokens; it keeps them in its
 * token cache, which a cache plugin persists through the injected `TokenCacheStore` (the store encrypts
 * it). When the grant is gone (revoked, expired after 90 days idle, consent withdrawn) MSAL says
 * "interaction required": that becomes PROVIDER_AUTH with `details.needsReauth`, which marks the
 * integration "needs re-auth" instead of failing forever.
 *
 * Concurrency. MSAL Node's `acquireTokenSilent` begins with `TokenCache.overwriteCache()`, which clears
 * the in-memory cache and then awaits the cache plugin: a second call on the same application that looks
 * its token up in that window finds neither access nor refresh token ("no_tokens_found"). So every MSAL
 * call of a `GraphAuth` runs one at a time (`serialize`, shared per account across the instances of a
 * process), the access token is remembered until 5 minutes before it expires (most calls never reach
 * MSAL), and forced refreshes are single-flight. Refresh tokens rotate on use: when another process
 * redeemed ours first, the refresh fails with invalid_grant — the cache is re-read from the store and the
 * call retried once before re-authorization is declared.
 */
import type { AccountInfo, ICachePlugin, TokenCacheContext } from '@azure/msal-node';
import { CryptoProvider, InteractionRequiredAuthError, PublicClientApplication, ServerError } from '@azure/msal-node';
import { CalsyncError } from '../../errors.js';
import type { GetToken } from './client.js';
import { GRAPH_SCOPES } from './constants.js';
import { msalNetworkModule } from './msal-network.js';

/** Where the serialized MSAL cache lives; the implementation encrypts it at rest. */
export interface TokenCacheStore {
  load(): Promise<string | undefined>;
  save(cache: string): Promise<void>;
}

export interface GraphAuthOptions {
  clientId: string;
  /** Default `https://login.microsoftonline.com/common`; the emulator's `authority` offline. */
  authority?: string;
  redirectUri: string;
  cacheStore: TokenCacheStore;
  /** Extra CA (PEM) for the identity endpoints (the emulator's self-signed certificate). */
  ca?: string;
  /** Hosts MSAL may trust without instance discovery (the emulator's host:port). */
  knownAuthorities?: string[];
  /** Default `offline_access Calendars.ReadWrite`. */
  scopes?: readonly string[];
  /** The account the integration was connected as (from `redeemCode`); default the only cached one. */
  homeAccountId?: string;
  /**
   * Runs one token acquisition at a time. Pass one shared by every `GraphAuth` of the same account in
   * the process (they share the stored cache); default a lock of this instance.
   */
  serialize?: Serialize;
  /** Wait before the one retry after invalid_grant (another process is storing its new tokens). Default 250 ms. */
  rotationRetryDelayMs?: number;
}

export type Serialize = <T>(fn: () => Promise<T>) => Promise<T>;

/** A FIFO lock: `fn`s run one after the other. */
export function serialQueue(): Serialize {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
}

export interface ConnectedAccount {
  homeAccountId: string;
  username: string;
}

/** Error codes of the identity platform that mean "the user must sign in again". */
const REAUTH_CODES = new Set(['invalid_grant', 'interaction_required', 'login_required', 'consent_required', 'no_tokens_found', 'refresh_token_expired']);

export function cachePlugin(store: TokenCacheStore, onLoad?: (data: string | undefined) => void): ICachePlugin {
  return {
    async beforeCacheAccess(ctx: TokenCacheContext): Promise<void> {
      const data = await store.load();
      onLoad?.(data);
      if (data) ctx.tokenCache.deserialize(data);
    },
    async afterCacheAccess(ctx: TokenCacheContext): Promise<void> {
      // Refresh tokens rotate on use: every change must be saved, or the next start uses a dead one.
      if (ctx.cacheHasChanged) await store.save(ctx.tokenCache.serialize());
    },
  };
}

/** MSAL refreshes this long before expiry; the remembered token is dropped at the same margin. */
const EXPIRY_MARGIN_MS = 5 * 60_000;

/** The refresh token was refused: possibly redeemed by another process a moment ago (rotation). */
function refreshRefused(err: unknown): boolean {
  return (err instanceof InteractionRequiredAuthError || err instanceof ServerError) && err.errorCode === 'invalid_grant';
}

function needsReauth(err: unknown): boolean {
  if (err instanceof InteractionRequiredAuthError) return true;
  return err instanceof ServerError && (REAUTH_CODES.has(err.errorCode) || /AADSTS(50173|70008|700082|50078|65001)/.test(err.errorMessage));
}

export class GraphAuth {
  private readonly app: PublicClientApplication;
  private readonly scopes: string[];
  private readonly network: ReturnType<typeof msalNetworkModule>;
  private homeAccountId: string | undefined;
  private readonly serialize: Serialize;
  /** The last access token MSAL gave us, until `EXPIRY_MARGIN_MS` before it expires. */
  private current: { token: string; refreshAtMs: number } | undefined;
  /** Bumped on every token obtained: a forced refresh that waited behind another one reuses its result. */
  private generation = 0;
  /** The cache text last read from the store. */
  private lastLoaded: string | undefined;

  constructor(private readonly opts: GraphAuthOptions) {
    this.scopes = [...(opts.scopes ?? GRAPH_SCOPES)];
    this.homeAccountId = opts.homeAccountId;
    this.serialize = opts.serialize ?? serialQueue();
    this.network = msalNetworkModule(opts.ca);
    this.app = new PublicClientApplication({
      auth: {
        clientId: opts.clientId,
        authority: opts.authority ?? 'https://login.microsoftonline.com/common',
        ...(opts.knownAuthorities ? { knownAuthorities: opts.knownAuthorities } : {}),
      },
      cache: { cachePlugin: cachePlugin(opts.cacheStore, (data) => void (this.lastLoaded = data)) },
      system: { networkClient: this.network },
    });
  }

  /** The sign-in URL and the PKCE verifier to keep (server-side) until the redirect comes back. */
  async authorizationUrl(state: string): Promise<{ url: string; codeVerifier: string }> {
    const pkce = await new CryptoProvider().generatePkceCodes();
    const url = await this.app.getAuthCodeUrl({
      scopes: this.scopes,
      redirectUri: this.opts.redirectUri,
      codeChallenge: pkce.challenge,
      codeChallengeMethod: 'S256',
      state,
    });
    return { url, codeVerifier: pkce.verifier };
  }

  /** Redeems the code from the redirect; the tokens land in the (persisted) cache. */
  async redeemCode(code: string, codeVerifier: string): Promise<ConnectedAccount> {
    try {
      const result = await this.app.acquireTokenByCode({ code, codeVerifier, scopes: this.scopes, redirectUri: this.opts.redirectUri });
      if (!result.account) throw new CalsyncError('PROVIDER_AUTH', 'the identity platform returned no account', { details: { needsReauth: true } });
      this.homeAccountId = result.account.homeAccountId;
      return { homeAccountId: result.account.homeAccountId, username: result.account.username };
    } catch (err) {
      throw this.asError(err, 'redeeming the authorization code failed');
    }
  }

  /** An access token, refreshed silently when expired (or when `forceRefresh`, after a 401). */
  readonly getToken: GetToken = async ({ forceRefresh }) => {
    const seen = this.generation;
    const remembered = this.remembered();
    if (remembered && !forceRefresh) return remembered;
    return this.serialize(async () => {
      // A refresh that ran while this call waited already replaced the token the caller saw fail.
      const now = this.remembered();
      if (now && (!forceRefresh || this.generation !== seen)) return now;
      return this.acquire(forceRefresh);
    });
  };

  private remembered(): string | undefined {
    const c = this.current;
    return c && Date.now() < c.refreshAtMs ? c.token : undefined;
  }

  /** One MSAL acquisition (the caller holds the lock), retried once when the refresh token was refused. */
  private async acquire(forceRefresh: boolean): Promise<string> {
    try {
      return await this.acquireSilent(forceRefresh);
    } catch (err) {
      if (!refreshRefused(err)) throw this.asError(err, 'silent token refresh failed');
      const before = this.lastLoaded;
      // Rotating refresh tokens: another process (serve and worker) probably redeemed it a moment ago and
      // is storing the new one. acquireTokenSilent re-reads the stored cache; when it changed, its tokens
      // are used as they are, else the refresh is tried once more.
      await new Promise((r) => setTimeout(r, this.opts.rotationRetryDelayMs ?? 250));
      const changed = (await this.opts.cacheStore.load().catch(() => before)) !== before;
      try {
        return await this.acquireSilent(forceRefresh && !changed);
      } catch (retryErr) {
        throw this.asError(retryErr, 'silent token refresh failed');
      }
    }
  }

  private async acquireSilent(forceRefresh: boolean): Promise<string> {
    const account = await this.account();
    const result = await this.app.acquireTokenSilent({ account, scopes: this.scopes, forceRefresh });
    const expiresMs = result.expiresOn ? result.expiresOn.getTime() : 0;
    this.current = { token: result.accessToken, refreshAtMs: expiresMs - EXPIRY_MARGIN_MS };
    this.generation += 1;
    return result.accessToken;
  }

  async close(): Promise<void> {
    await this.network.close();
  }

  private async account(): Promise<AccountInfo> {
    const cache = this.app.getTokenCache();
    const account = this.homeAccountId ? await cache.getAccountByHomeId(this.homeAccountId) : (await cache.getAllAccounts())[0];
    if (!account) throw new CalsyncError('PROVIDER_AUTH', 'no signed-in Outlook account in the token cache', { details: { needsReauth: true } });
    return account;
  }

  private asError(err: unknown, what: string): CalsyncError {
    if (err instanceof CalsyncError) return err;
    const message = err instanceof Error ? err.message : String(err);
    if (needsReauth(err)) return new CalsyncError('PROVIDER_AUTH', `${what}: re-authorization needed (${message})`, { cause: err, details: { needsReauth: true } });
    if (err instanceof ServerError) return new CalsyncError('PROVIDER_AUTH', `${what}: ${message}`, { cause: err, details: { needsReauth: false, errorCode: err.errorCode } });
    return new CalsyncError('PROVIDER_UNAVAILABLE', `${what}: ${message}`, { cause: err });
  }
}
