import { createHash, randomBytes } from 'node:crypto';
import { ConfidentialClientApplication, type INetworkModule, type NetworkResponse, PublicClientApplication } from '@azure/msal-node';
import { type Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/util/clock.js';
import { type Harness, graphClient, startHarness } from './helpers.js';

const REDIRECT = 'http://localhost:53682/callback';

/** MSAL Node uses global fetch; this network client lets it trust the emulator's CA (graph.md "Auth"). */
function networkClient(agent: Agent): INetworkModule {
  const send = async <T>(method: 'GET' | 'POST', url: string, options?: { headers?: Record<string, string>; body?: string }): Promise<NetworkResponse<T>> => {
    const res = await request(url, { method, dispatcher: agent, ...(options?.headers ? { headers: options.headers } : {}), ...(options?.body === undefined ? {} : { body: options.body }) });
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = String(v);
    return { status: res.statusCode, headers, body: (await res.body.json()) as T };
  };
  return { sendGetRequestAsync: (url, options) => send('GET', url, options), sendPostRequestAsync: (url, options) => send('POST', url, options) };
}

const pkcePair = (): { verifier: string; challenge: string } => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

describe('Graph emulator: OAuth2 authorization code + PKCE', () => {
  let h: Harness;
  const clock = new ManualClock(Date.now());
  beforeAll(async () => {
    h = await startHarness({ clock });
  });
  afterAll(() => h.close());

  async function authorize(params: Record<string, string>): Promise<URL> {
    const url = new URL(`${h.emu.authority}/oauth2/v2.0/authorize`);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    const res = await request(url, { dispatcher: h.agent });
    await res.body.dump();
    expect(res.statusCode).toBe(302);
    return new URL(String(res.headers.location));
  }

  async function token(form: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await request(`${h.emu.authority}/oauth2/v2.0/token`, {
      method: 'POST',
      dispatcher: h.agent,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
    return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
  }

  const scope = 'openid profile offline_access https://graph.microsoft.com/Calendars.ReadWrite';

  it('issues tokens for a code whose verifier matches the S256 challenge; refresh tokens rotate', async () => {
    const { verifier, challenge } = pkcePair();
    const back = await authorize({ client_id: 'app-1', response_type: 'code', redirect_uri: REDIRECT, scope, state: 'st-1', code_challenge: challenge, code_challenge_method: 'S256' });
    expect(back.searchParams.get('state')).toBe('st-1');
    const code = back.searchParams.get('code') ?? '';

    const wrong = await token({ grant_type: 'authorization_code', client_id: 'app-1', code, redirect_uri: REDIRECT, code_verifier: 'not-it' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toBe('invalid_grant');

    // A code is single-use: the failed attempt above consumed it.
    const back2 = await authorize({ client_id: 'app-1', response_type: 'code', redirect_uri: REDIRECT, scope, code_challenge: challenge, code_challenge_method: 'S256' });
    const code2 = back2.searchParams.get('code') ?? '';
    const ok = await token({ grant_type: 'authorization_code', client_id: 'app-1', code: code2, redirect_uri: REDIRECT, code_verifier: verifier });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, access_token: expect.any(String), refresh_token: expect.any(String), id_token: expect.any(String) });
    const reused = await token({ grant_type: 'authorization_code', client_id: 'app-1', code: code2, redirect_uri: REDIRECT, code_verifier: verifier });
    expect(reused.body.error).toBe('invalid_grant');

    const me = await h.call('GET', '/me/calendar', { token: String(ok.body.access_token) });
    expect(me.status).toBe(200);

    const refreshed = await token({ grant_type: 'refresh_token', client_id: 'app-1', refresh_token: String(ok.body.refresh_token) });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).not.toBe(ok.body.refresh_token);
    const again = await token({ grant_type: 'refresh_token', client_id: 'app-1', refresh_token: String(ok.body.refresh_token) });
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({ error: 'invalid_grant', error_description: expect.stringContaining('AADSTS54005') });
    const next = await token({ grant_type: 'refresh_token', client_id: 'app-1', refresh_token: String(refreshed.body.refresh_token) });
    expect(next.status).toBe(200);
  });

  it('refuses bad authorize and token requests the way the identity platform does', async () => {
    const noType = await authorize({ client_id: 'app-1', response_type: 'token', redirect_uri: REDIRECT, state: 's' });
    expect(noType.searchParams.get('error')).toBe('unsupported_response_type');
    expect(noType.searchParams.get('state')).toBe('s');
    const badMethod = await authorize({ client_id: 'app-1', response_type: 'code', redirect_uri: REDIRECT, code_challenge: 'x', code_challenge_method: 'S512' });
    expect(badMethod.searchParams.get('error')).toBe('invalid_request');
    const noClient = await authorize({ response_type: 'code', redirect_uri: REDIRECT });
    expect(noClient.searchParams.get('error')).toBe('invalid_request');
    const noRedirect = await request(`${h.emu.authority}/oauth2/v2.0/authorize?client_id=a&response_type=code`, { dispatcher: h.agent });
    expect(noRedirect.statusCode).toBe(400);
    await noRedirect.body.dump();

    expect((await token({ grant_type: 'password', client_id: 'a' })).body.error).toBe('unsupported_grant_type');
    expect((await token({ grant_type: 'refresh_token' })).body.error).toBe('invalid_request');
    expect((await token({ grant_type: 'refresh_token', client_id: 'a', refresh_token: 'nope' })).body.error).toBe('invalid_grant');
    const { challenge } = pkcePair();
    const back = await authorize({ client_id: 'app-1', response_type: 'code', redirect_uri: REDIRECT, scope, code_challenge: challenge, code_challenge_method: 'S256' });
    const otherRedirect = await token({ grant_type: 'authorization_code', client_id: 'app-1', code: back.searchParams.get('code') ?? '', redirect_uri: 'http://localhost/other', code_verifier: 'x' });
    expect(otherRedirect.body.error).toBe('invalid_grant');
  });

  it('expires access tokens on the clock and on admin request → 401 InvalidAuthenticationToken', async () => {
    const { accessToken } = h.emu.admin.issueToken('adele@contoso.onmicrosoft.com');
    expect((await h.call('GET', '/me/calendar', { token: accessToken })).status).toBe(200);
    clock.advance(61 * 60_000);
    const expired = await h.call('GET', '/me/calendar', { token: accessToken });
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({ error: { code: 'InvalidAuthenticationToken', message: 'Lifetime validation failed, the token is expired.' } });

    const fresh = h.emu.admin.issueToken('adele@contoso.onmicrosoft.com').accessToken;
    const client = graphClient(h.emu, h.agent, () => fresh);
    expect((await client.api('/me/calendar').get()).isDefaultCalendar).toBe(true);
    expect(h.emu.admin.expireAccessTokens()).toBeGreaterThan(0);
    await expect(client.api('/me/calendar').get()).rejects.toMatchObject({ statusCode: 401, code: 'InvalidAuthenticationToken' });
  });

  it('expires and revokes refresh tokens', async () => {
    const { verifier, challenge } = pkcePair();
    const back = await authorize({ client_id: 'app-2', response_type: 'code', redirect_uri: REDIRECT, scope, code_challenge: challenge, code_challenge_method: 'S256' });
    const ok = await token({ grant_type: 'authorization_code', client_id: 'app-2', code: back.searchParams.get('code') ?? '', redirect_uri: REDIRECT, code_verifier: verifier });
    expect(h.emu.admin.revokeRefreshTokens('adele@contoso.onmicrosoft.com')).toBeGreaterThan(0);
    const revoked = await token({ grant_type: 'refresh_token', client_id: 'app-2', refresh_token: String(ok.body.refresh_token) });
    expect(revoked.body.error).toBe('invalid_grant');

    const back2 = await authorize({ client_id: 'app-2', response_type: 'code', redirect_uri: REDIRECT, scope, code_challenge: challenge, code_challenge_method: 'S256' });
    const ok2 = await token({ grant_type: 'authorization_code', client_id: 'app-2', code: back2.searchParams.get('code') ?? '', redirect_uri: REDIRECT, code_verifier: verifier });
    clock.advance(91 * 86_400_000);
    const old = await token({ grant_type: 'refresh_token', client_id: 'app-2', refresh_token: String(ok2.body.refresh_token) });
    expect(old.body).toMatchObject({ error: 'invalid_grant', error_description: expect.stringContaining('AADSTS700082') });
  });
});

describe('Graph emulator: MSAL Node against the emulator authority', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  async function codeFrom(authUrl: string): Promise<string> {
    const res = await request(authUrl, { dispatcher: h.agent });
    await res.body.dump();
    return new URL(String(res.headers.location)).searchParams.get('code') ?? '';
  }

  it('ConfidentialClientApplication: auth code with PKCE, then a silent refresh with a rotated refresh token', async () => {
    const cca = new ConfidentialClientApplication({
      auth: { clientId: 'calsync-app', clientSecret: 'secret', authority: h.emu.authority, knownAuthorities: [h.emu.host] },
      system: { networkClient: networkClient(h.agent) },
    });
    const { verifier, challenge } = pkcePair();
    const scopes = ['Calendars.ReadWrite', 'offline_access'];
    const authUrl = await cca.getAuthCodeUrl({ scopes, redirectUri: REDIRECT, codeChallenge: challenge, codeChallengeMethod: 'S256', state: 'abc' });
    expect(authUrl.startsWith(`${h.emu.authority}/oauth2/v2.0/authorize?`)).toBe(true);
    const result = await cca.acquireTokenByCode({ code: await codeFrom(authUrl), scopes, redirectUri: REDIRECT, codeVerifier: verifier });
    expect(result.account?.username).toBe('adele@contoso.onmicrosoft.com');
    expect((await h.call('GET', '/me/calendar', { token: result.accessToken })).status).toBe(200);

    const cached = cca.getTokenCache().serialize();
    expect(cached).toContain('RefreshToken');
    const [account] = await cca.getTokenCache().getAllAccounts();
    expect(account?.homeAccountId).toBe(`${h.emu.admin.users()[0]?.id}.${h.emu.tenantId}`);
    if (!account) return;
    const silent = await cca.acquireTokenSilent({ account, scopes, forceRefresh: true });
    expect(silent.accessToken).not.toBe(result.accessToken);
    expect((await h.call('GET', '/me/calendar', { token: silent.accessToken })).status).toBe(200);
    // The cache now holds the rotated refresh token, which works again.
    const again = await cca.acquireTokenSilent({ account, scopes, forceRefresh: true });
    expect(again.accessToken).not.toBe(silent.accessToken);
  });

  it('PublicClientApplication: auth code with PKCE', async () => {
    const pca = new PublicClientApplication({
      auth: { clientId: 'calsync-cli', authority: h.emu.authority, knownAuthorities: [h.emu.host] },
      system: { networkClient: networkClient(h.agent) },
    });
    const { verifier, challenge } = pkcePair();
    const scopes = ['Calendars.ReadWrite', 'offline_access'];
    const authUrl = await pca.getAuthCodeUrl({ scopes, redirectUri: REDIRECT, codeChallenge: challenge, codeChallengeMethod: 'S256' });
    const result = await pca.acquireTokenByCode({ code: await codeFrom(authUrl), scopes, redirectUri: REDIRECT, codeVerifier: verifier });
    expect(result.accessToken).toBeTruthy();
    expect(result.idTokenClaims).toMatchObject({ tid: h.emu.tenantId, preferred_username: 'adele@contoso.onmicrosoft.com' });
  });
});
