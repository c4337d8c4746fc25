/**
 * Access, refresh and id tokens. Access tokens are JWT-shaped (HS256 with a per-instance key) so
 * clients that peek at claims work; validity is checked against the injected clock, so token
 * expiry is tested without waiting. Refresh tokens rotate: each is good for one use, as the issue
 * asks (Azure AD itself tolerates reuse for a while — the stricter rule catches clients that keep
 * the old one).
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { Clock } from '../../util/clock.js';
import { GraphError } from './graph-error.js';
import { newOpaqueToken } from './ids.js';

export interface Principal {
  userId: string;
  userPrincipalName: string;
  displayName: string;
  clientId: string;
  tenantId: string;
  scopes: string[];
  /** When the access token the request came with expires (set by `authenticate`). */
  tokenExpiresMs?: number;
}

export interface TokenOptions {
  /** Access token lifetime. Default 60 minutes (Graph issues 60–90). */
  accessTokenLifetimeMs: number;
  /** Refresh token lifetime. Default 90 days. */
  refreshTokenLifetimeMs: number;
}

interface AccessRecord {
  principal: Principal;
  expiresMs: number;
  revoked: boolean;
}

interface RefreshRecord {
  principal: Principal;
  expiresMs: number;
}

/** Above this many tokens, expired ones are forgotten, so a long-running emulator stays small. */
const PRUNE_AT = 10_000;

const b64json = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

const unauthorized = (message: string): GraphError => new GraphError(401, 'InvalidAuthenticationToken', message);

export class TokenService {
  private readonly key = randomBytes(32);
  private readonly access = new Map<string, AccessRecord>();
  private readonly refresh = new Map<string, RefreshRecord>();
  /** Refresh tokens already redeemed, to answer their reuse with a precise error. */
  private readonly redeemed = new Set<string>();

  constructor(
    private readonly clock: Clock,
    private readonly opts: TokenOptions,
  ) {}

  private sign(claims: Record<string, unknown>): string {
    const unsigned = `${b64json({ typ: 'JWT', alg: 'HS256' })}.${b64json(claims)}`;
    return `${unsigned}.${createHmac('sha256', this.key).update(unsigned).digest('base64url')}`;
  }

  issueAccessToken(principal: Principal): { token: string; expiresInS: number } {
    const now = this.clock.now();
    const expiresMs = now + this.opts.accessTokenLifetimeMs;
    const token = this.sign({
      aud: 'https://graph.microsoft.com',
      iss: `https://sts.windows.net/${principal.tenantId}/`,
      iat: Math.floor(now / 1000),
      nbf: Math.floor(now / 1000),
      exp: Math.floor(expiresMs / 1000),
      appid: principal.clientId,
      name: principal.displayName,
      oid: principal.userId,
      scp: principal.scopes.join(' '),
      tid: principal.tenantId,
      upn: principal.userPrincipalName,
      uti: randomUUID(),
      ver: '1.0',
    });
    this.access.set(token, { principal, expiresMs, revoked: false });
    this.prune();
    return { token, expiresInS: Math.round(this.opts.accessTokenLifetimeMs / 1000) };
  }

  private prune(): void {
    if (this.access.size <= PRUNE_AT) return;
    const now = this.clock.now();
    for (const [token, rec] of this.access) if (rec.revoked || rec.expiresMs <= now) this.access.delete(token);
  }

  /** The principal behind `Authorization: Bearer …`, or Graph's 401. */
  authenticate(header: string | undefined): Principal {
    const m = header ? /^Bearer\s+(\S+)$/i.exec(header.trim()) : null;
    if (!m?.[1]) throw unauthorized('Access token is empty.');
    const rec = this.access.get(m[1]);
    if (!rec) throw unauthorized('CompactToken parsing failed with error code: 80049217');
    if (rec.revoked || this.clock.now() >= rec.expiresMs) throw unauthorized('Lifetime validation failed, the token is expired.');
    return { ...rec.principal, tokenExpiresMs: rec.expiresMs };
  }

  issueRefreshToken(principal: Principal): string {
    const token = `0.A${newOpaqueToken(48)}`;
    this.refresh.set(token, { principal, expiresMs: this.clock.now() + this.opts.refreshTokenLifetimeMs });
    return token;
  }

  /** Redeem a refresh token once; the caller issues its replacement. */
  redeemRefreshToken(token: string): Principal | { error: string } {
    const rec = this.refresh.get(token);
    if (!rec) return { error: this.redeemed.has(token) ? 'AADSTS54005: The refresh token has already been redeemed.' : 'AADSTS9002313: Invalid request. The refresh token is malformed or not valid.' };
    this.refresh.delete(token);
    this.redeemed.add(token);
    if (this.redeemed.size > PRUNE_AT) this.redeemed.delete(this.redeemed.values().next().value ?? '');
    if (this.clock.now() >= rec.expiresMs) return { error: 'AADSTS700082: The refresh token has expired due to inactivity.' };
    return rec.principal;
  }

  /** The id_token MSAL reads the account from (unsigned use only: MSAL Node does not verify it). */
  idToken(principal: Principal, issuer: string, nonce: string | undefined): string {
    const now = Math.floor(this.clock.now() / 1000);
    return this.sign({
      aud: principal.clientId,
      iss: issuer,
      iat: now,
      nbf: now,
      exp: now + 3600,
      name: principal.displayName,
      oid: principal.userId,
      preferred_username: principal.userPrincipalName,
      sub: principal.userId,
      tid: principal.tenantId,
      ver: '2.0',
      ...(nonce ? { nonce } : {}),
    });
  }

  /** Admin: expire access tokens (all, or one user's). Refresh tokens keep working. */
  expireAccessTokens(userId?: string): number {
    let n = 0;
    for (const rec of this.access.values()) {
      if (!rec.revoked && (userId === undefined || rec.principal.userId === userId)) {
        rec.revoked = true;
        n++;
      }
    }
    return n;
  }

  /** Admin: revoke refresh tokens (all, or one user's), as a password reset or consent removal does. */
  revokeRefreshTokens(userId?: string): number {
    let n = 0;
    for (const [token, rec] of this.refresh) {
      if (userId === undefined || rec.principal.userId === userId) {
        this.refresh.delete(token);
        n++;
      }
    }
    return n;
  }
}
