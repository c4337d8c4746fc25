/**
 * API-key authentication for the `/api/v1` scope: `Authorization: Bearer <key>`, or the session cookie
 * a browser got by signing in with the key (`edge/sessions.ts`) → the key's tenant on `request.tenant`.
 * Every API handler takes the tenant from here, never from the body or the URL. Refusals count against
 * the client's address and accepted requests against their key (`edge/rate-limits.ts`).
 *
 * Verified keys are cached briefly (by a hash of the key, never the key itself) because verification
 * reads the database and hashes on every request; a revoked key therefore keeps working for at most
 * `cacheTtlMs`. Failed lookups are not cached, so a key created a moment ago works at once.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CalsyncError } from '../errors.js';
import { SESSION_COOKIE, type BrowserSessions, type Principal } from './edge/sessions.js';
import type { EdgeLimits } from './edge/rate-limits.js';
import type { ApiKeyRecord, Store, Tenant, TenantUser } from '../store/types.js';
import { systemClock, type Clock } from '../util/clock.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated tenant (set by the auth hook on every `/api/v1` request). */
    tenant: Tenant;
    /** The API key used (id, label, prefix — never the key). */
    apiKey: ApiKeyRecord;
    /** Who was verified (the API key itself, or the signed-in user), for the ticket route (never logged, never sent back). */
    caller?: Principal;
    /** The signed-in tenant user, when the request rides on a user's session. */
    user?: TenantUser;
  }
}

export interface AuthOptions {
  store: Store;
  clock?: Clock;
  /** How long a verified key is trusted without asking the store again (default 30 s; 0 disables). */
  cacheTtlMs?: number;
  /** Cache size bound (default 1,000 keys); the oldest entry is dropped first. */
  cacheSize?: number;
}

interface CacheEntry {
  tenant: Tenant;
  record: ApiKeyRecord;
  expires: number;
}

/** Keys are random tokens of bounded length; anything longer is not one of ours. */
const MAX_KEY_LENGTH = 512;

function unauthorized(message: string): CalsyncError {
  return new CalsyncError('UNAUTHORIZED', message, { retryable: false });
}

/** The key of `Authorization: Bearer <key>`, or undefined when the header is absent. Throws when it is malformed. */
export function bearerToken(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  if (header === undefined || header === '') return undefined;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) throw unauthorized('the Authorization header must be "Bearer <api key>"');
  if (match[1].length > MAX_KEY_LENGTH || match[1].includes('\u0000')) throw unauthorized('invalid API key');
  return match[1];
}

/** The session id of the request's cookie (parsed by @fastify/cookie, signed-cookie free: the id is random). */
export function sessionId(req: FastifyRequest): string | undefined {
  const value = (req as FastifyRequest & { cookies?: Record<string, string | undefined> }).cookies?.[SESSION_COOKIE];
  return value && value.length <= MAX_KEY_LENGTH ? value : undefined;
}

/**
 * Who a request presents: the Bearer header's API key, else its sign-in session's principal (an API
 * key or a tenant user). A user principal only ever comes from a session made by signing in.
 */
export function presentedPrincipal(req: FastifyRequest, sessions: BrowserSessions | undefined): { principal: Principal; session?: string } | undefined {
  const bearer = bearerToken(req);
  if (bearer !== undefined) return { principal: { kind: 'key', key: bearer } };
  const id = sessions ? sessionId(req) : undefined;
  const principal = id === undefined ? undefined : sessions?.principalOfSession(id);
  return principal === undefined || id === undefined ? undefined : { principal, session: id };
}

/** What a verified principal stands for: the tenant, the key record (a user gets a `user:` one), the user. */
export interface Verified {
  tenant: Tenant;
  record: ApiKeyRecord;
  user?: TenantUser;
}

/** A user's requests are attributed (rate limits, `resolvedBy`) like a key's, under `user:<id>`. */
function userRecord(user: TenantUser): ApiKeyRecord {
  return { id: `user:${user.id}`, tenantId: user.tenantId, label: user.name ?? user.email, prefix: 'user', createdAt: user.createdAt };
}

/** Verifies a principal: the API key through the verifier (cached), a user by reading it (removed users end here). */
export async function verifyPrincipal(verifier: Pick<ApiKeyVerifier, 'verify'>, store: Store, p: Principal): Promise<Verified | undefined> {
  if (p.kind === 'key') return verifier.verify(p.key);
  if (p.kind === 'tenant') {
    const tenant = await store.tenants.get(p.tenantId);
    return tenant && { tenant, record: { id: `link:${tenant.id}`, tenantId: tenant.id, label: 'sign-in link', prefix: 'link', createdAt: tenant.createdAt } };
  }
  const found = await store.users.getWithTenant(p.userId);
  return found && { tenant: found.tenant, record: userRecord(found.user), user: found.user };
}

export class ApiKeyVerifier {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly clock: Clock;
  private readonly ttlMs: number;
  private readonly size: number;

  constructor(readonly opts: AuthOptions) {
    this.clock = opts.clock ?? systemClock;
    this.ttlMs = opts.cacheTtlMs ?? 30_000;
    this.size = opts.cacheSize ?? 1_000;
  }

  async verify(key: string): Promise<{ tenant: Tenant; record: ApiKeyRecord } | undefined> {
    const digest = createHash('sha256').update(key).digest('base64url');
    const now = this.clock.now();
    const hit = this.cache.get(digest);
    if (hit && hit.expires > now) return hit;
    this.cache.delete(digest);
    const found = await this.opts.store.apiKeys.verify(key);
    if (found && this.ttlMs > 0) {
      if (this.cache.size >= this.size) {
        const oldest = this.cache.keys().next();
        if (!oldest.done) this.cache.delete(oldest.value);
      }
      this.cache.set(digest, { ...found, expires: now + this.ttlMs });
    }
    return found;
  }

  /** Forget every cached key (after a revocation, when waiting out the TTL is not acceptable). */
  clear(): void {
    this.cache.clear();
  }
}

/** What the auth hook shares across scopes: one verifier (one cache), the browser sessions, the limits. */
export interface EdgeAuth {
  verifier: ApiKeyVerifier;
  sessions?: BrowserSessions;
  limits?: EdgeLimits;
}

/**
 * Adds the auth hook to `scope` (an encapsulated plugin scope: routes outside it stay public).
 * Runs on `onRequest`, before the body is read, so an unauthenticated client cannot make us parse it.
 */
export function registerApiKeyAuth(scope: FastifyInstance, opts: AuthOptions | EdgeAuth): ApiKeyVerifier {
  const edge: EdgeAuth = 'verifier' in opts ? opts : { verifier: new ApiKeyVerifier(opts) };
  const verifier = edge.verifier;
  scope.decorateRequest('tenant', null as unknown as Tenant);
  scope.decorateRequest('apiKey', null as unknown as ApiKeyRecord);
  scope.addHook('onRequest', async (req, reply) => {
    let found: Verified | undefined;
    try {
      const presented = presentedPrincipal(req, edge.sessions);
      if (!presented) throw unauthorized('missing Authorization header; send "Authorization: Bearer <api key>" or sign in');
      found = await verifyPrincipal(verifier, verifier.opts.store, presented.principal);
      if (!found) {
        // A session whose key was revoked (or whose user was removed) ends here.
        edge.sessions?.forget(presented.principal);
        throw unauthorized(presented.principal.kind === 'key' ? 'invalid API key' : 'your sign-in has ended; sign in again');
      }
      req.caller = presented.principal;
      if (found.user) req.user = found.user;
    } catch (err) {
      void reply.header('www-authenticate', 'Bearer realm="calsync"');
      throw err;
    }
    req.tenant = found.tenant;
    req.apiKey = found.record;
    if (edge.limits && (await edge.limits.overKeyLimit(req, reply))) return reply;
    return undefined;
  });
  return verifier;
}
