/**
 * The Microsoft identity platform endpoints a client needs (authorization code + PKCE, refresh):
 * `/{tenant}/oauth2/v2.0/authorize` (consent is implied: it redirects straight back with a code),
 * `/{tenant}/oauth2/v2.0/token`, and the discovery documents MSAL fetches for an authority —
 * `/{tenant}/v2.0/.well-known/openid-configuration` and `/common/discovery/instance`.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type EmulatorContext, baseUrl } from '../context.js';
import { newOpaqueToken } from '../ids.js';
import type { Mailbox } from '../model.js';
import type { Principal } from '../tokens.js';

const CODE_LIFETIME_MS = 10 * 60_000;
const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);

interface AuthCode {
  clientId: string;
  redirectUri: string;
  challenge: string | undefined;
  method: string;
  userId: string;
  scopes: string[];
  nonce: string | undefined;
  expiresMs: number;
}

type Params = Record<string, string | undefined>;

/** Error body of the identity platform (error, error_description with an AADSTS code, …). */
function oauthError(ctx: EmulatorContext, reply: FastifyReply, error: string, description: string, status = 400): FastifyReply {
  const code = Number(/AADSTS(\d+)/.exec(description)?.[1] ?? 0);
  return reply.code(status).send({
    error,
    error_description: description,
    error_codes: [code],
    timestamp: new Date(ctx.clock.now()).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    trace_id: randomUUID(),
    correlation_id: randomUUID(),
  });
}

const shortScope = (s: string): string => s.replace(/^https:\/\/graph\.microsoft\.com\//i, '');

export function registerOAuthRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const codes = new Map<string, AuthCode>();

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(typeof body === 'string' ? body : body.toString('utf8'))));
  });

  const metadata = (req: FastifyRequest): Record<string, unknown> => {
    const tenant = (req.params as { tenant: string }).tenant;
    const base = `${baseUrl(ctx, req)}/${tenant}`;
    return {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${base}/v2.0`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${baseUrl(ctx, req)}/oidc/userinfo`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'oid'],
      tenant_region_scope: 'EU',
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
      rbac_url: 'https://pas.windows.net',
    };
  };
  app.get('/:tenant/v2.0/.well-known/openid-configuration', async (req) => metadata(req));
  app.get('/:tenant/.well-known/openid-configuration', async (req) => metadata(req));
  app.get('/:tenant/discovery/v2.0/keys', async () => ({ keys: [] }));

  app.get('/common/discovery/instance', async (req) => {
    const host = req.headers.host ?? 'localhost';
    const endpoint = (req.query as Params).authorization_endpoint ?? `${baseUrl(ctx, req)}/common/oauth2/v2.0/authorize`;
    const tenant = /\/\/[^/]+\/([^/]+)\//.exec(endpoint)?.[1] ?? 'common';
    return {
      tenant_discovery_endpoint: `${baseUrl(ctx, req)}/${tenant}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    };
  });

  app.get('/:tenant/oauth2/v2.0/authorize', async (req, reply) => {
    const q = req.query as Params;
    if (!q.redirect_uri || !URL.canParse(q.redirect_uri)) return oauthError(ctx, reply, 'invalid_request', "AADSTS90102: 'redirect_uri' value must be a valid absolute URI.");
    const back = new URL(q.redirect_uri);
    const fail = (error: string, description: string): FastifyReply => {
      back.searchParams.set('error', error);
      back.searchParams.set('error_description', description);
      if (q.state) back.searchParams.set('state', q.state);
      return reply.redirect(back.toString(), 302);
    };
    if (!q.client_id) return fail('invalid_request', "AADSTS900144: The request body must contain the following parameter: 'client_id'.");
    if (q.response_type !== 'code') return fail('unsupported_response_type', 'AADSTS700054: response_type is not enabled for the application.');
    const method = q.code_challenge_method ?? 'plain';
    if (q.code_challenge && method !== 'S256' && method !== 'plain') return fail('invalid_request', 'AADSTS501491: Invalid code_challenge_method.');
    const mailbox = pickUser(ctx, q.login_hint);
    // Codes never redeemed are forgotten once expired.
    for (const [c, g] of codes) if (g.expiresMs <= ctx.clock.now()) codes.delete(c);
    const code = `1.A${newOpaqueToken(48)}`;
    codes.set(code, {
      clientId: q.client_id,
      redirectUri: q.redirect_uri,
      challenge: q.code_challenge,
      method,
      userId: mailbox.id,
      scopes: (q.scope ?? '').split(/\s+/).filter(Boolean),
      nonce: q.nonce,
      expiresMs: ctx.clock.now() + CODE_LIFETIME_MS,
    });
    back.searchParams.set('code', code);
    if (q.state) back.searchParams.set('state', q.state);
    back.searchParams.set('client_info', clientInfo(ctx, mailbox.id));
    return reply.redirect(back.toString(), 302);
  });

  app.post('/:tenant/oauth2/v2.0/token', async (req, reply) => {
    const b = (req.body ?? {}) as Params;
    const issuer = `${baseUrl(ctx, req)}/${(req.params as { tenant: string }).tenant}/v2.0`;
    if (!b.client_id) return oauthError(ctx, reply, 'invalid_request', "AADSTS900144: The request body must contain the following parameter: 'client_id'.");
    let principal: Principal;
    let nonce: string | undefined;
    if (b.grant_type === 'authorization_code') {
      const grant = b.code ? codes.get(b.code) : undefined;
      if (b.code) codes.delete(b.code);
      if (!grant || grant.expiresMs <= ctx.clock.now() || grant.clientId !== b.client_id)
        return oauthError(ctx, reply, 'invalid_grant', 'AADSTS70008: The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.');
      if (grant.redirectUri !== b.redirect_uri) return oauthError(ctx, reply, 'invalid_grant', "AADSTS50148: The redirect_uri doesn't match the one used in the authorization request.");
      if (grant.challenge !== undefined && !verifierMatches(grant, b.code_verifier))
        return oauthError(ctx, reply, 'invalid_grant', 'AADSTS501481: The Code_Verifier does not match the code_challenge supplied in the authorization request.');
      principal = principalFor(ctx, grant.userId, grant.clientId, grant.scopes.length > 0 ? grant.scopes : (b.scope ?? '').split(/\s+/));
      nonce = grant.nonce;
    } else if (b.grant_type === 'refresh_token') {
      const redeemed = b.refresh_token ? ctx.tokens.redeemRefreshToken(b.refresh_token) : { error: "AADSTS900144: The request body must contain the following parameter: 'refresh_token'." };
      if ('error' in redeemed) return oauthError(ctx, reply, 'invalid_grant', redeemed.error);
      const scopes = b.scope ? b.scope.split(/\s+/).filter(Boolean) : redeemed.scopes;
      principal = { ...redeemed, scopes: [...new Set([...scopes, ...(redeemed.scopes.includes('offline_access') ? ['offline_access'] : [])])] };
    } else {
      return oauthError(ctx, reply, 'unsupported_grant_type', `AADSTS70003: The app requested an unsupported grant type '${b.grant_type ?? ''}'.`);
    }
    const access = ctx.tokens.issueAccessToken({ ...principal, scopes: principal.scopes.filter((s) => !OIDC_SCOPES.has(s)).map(shortScope) });
    return {
      token_type: 'Bearer',
      scope: principal.scopes.filter((s) => s !== 'offline_access').join(' '),
      expires_in: access.expiresInS,
      ext_expires_in: access.expiresInS,
      access_token: access.token,
      ...(principal.scopes.includes('offline_access') ? { refresh_token: ctx.tokens.issueRefreshToken(principal) } : {}),
      ...(principal.scopes.includes('openid') ? { id_token: ctx.tokens.idToken(principal, issuer, nonce) } : {}),
      client_info: clientInfo(ctx, principal.userId),
    };
  });
}

function verifierMatches(grant: AuthCode, verifier: string | undefined): boolean {
  if (!verifier) return false;
  const derived = grant.method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
  return derived === grant.challenge;
}

function pickUser(ctx: EmulatorContext, loginHint: string | undefined): Mailbox {
  if (loginHint) {
    try {
      return ctx.store.mailbox(loginHint);
    } catch {
      // An unknown hint signs in the first user, as if they had picked their own account.
    }
  }
  const first = ctx.store.mailboxes.values().next().value;
  if (!first) throw new Error('the emulator has no users');
  return first;
}

export function principalFor(ctx: EmulatorContext, userId: string, clientId: string, scopes: string[]): Principal {
  const mb = ctx.store.mailbox(userId);
  return { userId: mb.id, userPrincipalName: mb.userPrincipalName, displayName: mb.displayName, clientId, tenantId: ctx.tenantId, scopes: scopes.filter(Boolean) };
}

/** MSAL builds the home account id from client_info: base64url JSON {uid, utid}. */
function clientInfo(ctx: EmulatorContext, userId: string): string {
  return Buffer.from(JSON.stringify({ uid: userId, utid: ctx.tenantId })).toString('base64url');
}
