/**
 * The token race of a just-connected Outlook integration: the first sync (which writes events in
 * parallel) and the first `graph.subscription.ensure` asked for tokens at the same moment, and the
 * sync failed with PROVIDER_AUTH "no_tokens_found". MSAL Node's `acquireTokenSilent` starts with
 * `TokenCache.overwriteCache()`, which clears the in-memory cache and then awaits the cache plugin
 * (a store read): a concurrent call on the same `PublicClientApplication` that looks up its token in
 * that window finds neither access nor refresh token. Refresh tokens also rotate, so two processes
 * refreshing at once must not end in "re-authorization needed" either.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { GraphAuth, TokenCacheStore } from '../../src/providers/graph/auth.js';
import { credentialsCacheStore, graphAuthFor, graphClientFor, openOutlookConnection, outlookConfig, type OutlookCredentials } from '../../src/service/outlook/connection.js';
import { outlookHarness, type OutlookHarness } from './harness.js';

describe('Outlook tokens under concurrency', () => {
  let h: OutlookHarness | undefined;
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
    await h?.close();
    h = undefined;
  });

  const authOf = (x: OutlookHarness, cacheStore: TokenCacheStore, lock?: <T>(fn: () => Promise<T>) => Promise<T>): GraphAuth => {
    const auth = graphAuthFor(outlookConfig(x.integration), cacheStore, lock ? { serialize: lock } : {});
    closers.push(() => auth.close());
    return auth;
  };

  it('a fresh integration: the first sync and the first subscription ensure fetch tokens at once without losing them', async () => {
    h = await outlookHarness();
    const x = h;
    // The subscription manager and the sync use the same client (one GraphAuth per integration).
    const client = await graphClientFor(x.providers, x.integration);
    expect(await graphClientFor(x.providers, x.integration)).toBe(client);
    const provider = await x.providers.forIntegration(x.integration);
    for (let round = 0; round < 8; round++) {
      const results = await Promise.allSettled([
        round === 0 ? x.manager.ensure(x.tenantId, x.calendar.id) : Promise.resolve('kept'),
        ...Array.from({ length: 6 }, () => client.json({ method: 'GET', url: '/me/calendars' })),
        provider.listCalendars(),
      ]);
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => String(r.reason));
      expect(failed).toEqual([]);
    }
    // Nothing was refreshed (the access token from the connect is still good) and the cache is intact.
    const creds = (await x.store.integrations.getCredentials(x.tenantId, x.integration.id)) as OutlookCredentials;
    expect(creds.msalCache).toContain('RefreshToken');
    expect(creds.subscriptionKey).toMatch(/^[0-9a-f]{64}$/);
  });

  it('many token requests on one GraphAuth over the stored credentials all succeed (MSAL cache access is serialized)', async () => {
    h = await outlookHarness();
    const auth = authOf(h, credentialsCacheStore(h.store, h.integration));
    for (let n = 2; n <= 9; n++) {
      const results = await Promise.allSettled(Array.from({ length: n }, () => auth.getToken({ forceRefresh: false })));
      expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
    }
  });

  it('concurrent forced refreshes are single-flight: one refresh, one rotation, everyone gets the new token', async () => {
    h = await outlookHarness();
    const auth = authOf(h, credentialsCacheStore(h.store, h.integration));
    const before = await auth.getToken({ forceRefresh: false });
    const tokens = await Promise.all(Array.from({ length: 5 }, () => auth.getToken({ forceRefresh: true })));
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).not.toBe(before);
    // The rotated refresh token was stored: a new instance (a restarted process) can still refresh.
    const later = authOf(h, credentialsCacheStore(h.store, h.integration));
    expect(await later.getToken({ forceRefresh: true })).not.toBe(tokens[0]);
  });

  it('two GraphAuth instances of one integration in a process refresh one after the other (shared per-integration lock)', async () => {
    h = await outlookHarness();
    const a = openOutlookConnection(h.store, h.integration);
    const b = openOutlookConnection(h.store, h.integration);
    closers.push(() => a.provider.close(), () => b.provider.close());
    const results = await Promise.allSettled([a.auth.getToken({ forceRefresh: true }), b.auth.getToken({ forceRefresh: true }), a.auth.getToken({ forceRefresh: true })]);
    expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
  });

  it('another process rotated the refresh token first: invalid_grant re-reads the stored cache and retries once', async () => {
    h = await outlookHarness();
    const x = h;
    const stored = credentialsCacheStore(x.store, x.integration);
    const stale = (await stored.load())!;
    // Process B loaded the cache before process A refreshed; B's first reads return that old cache.
    let staleReads = 2;
    const processB: TokenCacheStore = { load: async () => (staleReads-- > 0 ? stale : stored.load()), save: (c) => stored.save(c) };
    const a = authOf(x, stored, (fn) => fn());
    const b = authOf(x, processB, (fn) => fn());
    const fromA = await a.getToken({ forceRefresh: true });
    // B redeems the refresh token A already used: the emulator answers invalid_grant (AADSTS54005).
    const fromB = await b.getToken({ forceRefresh: true });
    // After the refusal B re-read the store, found A's new tokens and used them (no second rotation).
    expect(fromB).toBe(fromA);
    // And the grant is still alive for both afterwards.
    expect(await a.getToken({ forceRefresh: true })).toBeTruthy();
    expect(await b.getToken({ forceRefresh: true })).toBeTruthy();
  });

  it('a grant that is really gone still ends in PROVIDER_AUTH needsReauth (after the one retry)', async () => {
    h = await outlookHarness();
    const x = h;
    const auth = authOf(x, credentialsCacheStore(x.store, x.integration));
    await auth.getToken({ forceRefresh: false });
    x.emu.admin.revokeRefreshTokens();
    await expect(auth.getToken({ forceRefresh: true })).rejects.toMatchObject({ code: 'PROVIDER_AUTH', details: { needsReauth: true } });
  });
});
