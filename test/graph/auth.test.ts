import { afterEach, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { createGraphEmulator } from '../../src/emulator/graph/index.js';
import type { GraphEmulator } from '../../src/emulator/graph/index.js';
import { generateCertificate } from '../../src/emulator/graph/tls.js';
import type { CalsyncError } from '../../src/errors.js';
import { GraphAuth } from '../../src/providers/graph/auth.js';
import type { TokenCacheStore } from '../../src/providers/graph/auth.js';
import { GraphClient } from '../../src/providers/graph/client.js';
import { createTransport } from '../../src/providers/graph/http/transport.js';
import { fakeSleep } from './support/fake-fetch.js';

const REDIRECT = 'http://localhost:3000/oauth/outlook/callback';
const tls = generateCertificate(['127.0.0.1']);

/** A store that records every save, as the encrypted integration row would. */
function memoryStore(): TokenCacheStore & { data: string | undefined; saves: number } {
  const store = {
    data: undefined as string | undefined,
    saves: 0,
    load: async () => store.data,
    save: async (cache: string) => {
      store.data = cache;
      store.saves += 1;
    },
  };
  return store;
}

describe('GraphAuth (MSAL Node against the emulator)', () => {
  let emu: GraphEmulator | undefined;
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
    await emu?.close();
  });

  function authFor(e: GraphEmulator, cacheStore: TokenCacheStore, homeAccountId?: string): GraphAuth {
    const auth = new GraphAuth({
      clientId: 'calsync-dev-client',
      authority: e.authority,
      knownAuthorities: [e.host],
      redirectUri: REDIRECT,
      cacheStore,
      ca: e.caCert ?? '',
      ...(homeAccountId ? { homeAccountId } : {}),
    });
    closers.push(() => auth.close());
    return auth;
  }

  /** Follows the authorize URL as the browser would; the emulator consents at once and redirects. */
  async function signIn(e: GraphEmulator, url: string): Promise<URL> {
    const agent = new Agent({ connect: { ca: e.caCert ?? '' } });
    closers.push(() => agent.close());
    const res = await request(url, { dispatcher: agent });
    await res.body.dump();
    expect(res.statusCode).toBe(302);
    return new URL(String(res.headers.location));
  }

  it('connects with code + PKCE, persists the cache, refreshes silently, and flags a revoked grant', async () => {
    emu = await createGraphEmulator({ tls: await tls });
    const store = memoryStore();
    const auth = authFor(emu, store);
    const { url, codeVerifier } = await auth.authorizationUrl('state-123');
    const authorize = new URL(url);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('scope')).toContain('offline_access');
    expect(authorize.searchParams.get('scope')).toContain('Calendars.ReadWrite');

    const back = await signIn(emu, url);
    expect(back.searchParams.get('state')).toBe('state-123');
    const account = await auth.redeemCode(back.searchParams.get('code') ?? '', codeVerifier);
    expect(account.username).toBe('adele@contoso.onmicrosoft.com');
    expect(store.data).toContain('RefreshToken');
    expect(store.data).not.toBeUndefined();

    // A new process with only the persisted cache gets tokens without the user.
    const later = authFor(emu, store, account.homeAccountId);
    const token = await later.getToken({ forceRefresh: false });
    const transport = createTransport({ ca: emu.caCert ?? '' });
    closers.push(() => transport.close());
    const client = new GraphClient({ baseUrl: emu.graphUrl, fetch: transport.fetch, getToken: later.getToken, sleep: fakeSleep() });
    const calendars = await client.json<{ value: unknown[] }>({ method: 'GET', url: '/me/calendars' });
    expect(calendars.value.length).toBeGreaterThan(0);

    // An expired access token: the client's 401 triggers a forced refresh and the call succeeds.
    const savesBefore = store.saves;
    emu.admin.expireAccessTokens();
    expect((await client.json<{ value: unknown[] }>({ method: 'GET', url: '/me/calendars' })).value.length).toBeGreaterThan(0);
    const refreshed = await later.getToken({ forceRefresh: false });
    expect(refreshed).not.toBe(token);
    // The rotated refresh token was saved.
    expect(store.saves).toBeGreaterThan(savesBefore);

    // Revoked grant: silent refresh fails with PROVIDER_AUTH needing re-auth.
    emu.admin.revokeRefreshTokens();
    const err = (await later.getToken({ forceRefresh: true }).catch((e: unknown) => e)) as CalsyncError;
    expect(err.code).toBe('PROVIDER_AUTH');
    expect(err.details?.needsReauth).toBe(true);
  });

  it('reports an empty cache and a bad code as needing re-auth', async () => {
    emu = await createGraphEmulator({ tls: await tls });
    const auth = authFor(emu, memoryStore());
    expect(await auth.getToken({ forceRefresh: false }).catch((e: unknown) => (e as CalsyncError).details)).toEqual({ needsReauth: true });
    const { codeVerifier } = await auth.authorizationUrl('s');
    const err = (await auth.redeemCode('not-a-code', codeVerifier).catch((e: unknown) => e)) as CalsyncError;
    expect(err.code).toBe('PROVIDER_AUTH');
    expect(err.details?.needsReauth).toBe(true);
  });

  it('rejects a code redeemed with the wrong PKCE verifier', async () => {
    emu = await createGraphEmulator({ tls: await tls });
    const auth = authFor(emu, memoryStore());
    const { url } = await auth.authorizationUrl('s');
    const back = await signIn(emu, url);
    const err = (await auth.redeemCode(back.searchParams.get('code') ?? '', 'a'.repeat(43)).catch((e: unknown) => e)) as CalsyncError;
    expect(err.code).toBe('PROVIDER_AUTH');
  });
});
