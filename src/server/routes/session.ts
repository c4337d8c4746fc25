/**
 * Browser sign-in (issue 10, finding 4; issue 13): a person signs in with the email and password of a
 * tenant user, or with a one-time link the CLI prints; machines (and the demo link) may still trade an
 * API key. The answer is a session cookie; the dashboard then gets a single-use ticket each time it
 * opens the WebSocket, so no secret ever travels in a URL.
 *
 * - `POST /api/v1/session` (no auth) with exactly one of `{email, password}`, `{token}` (a one-time
 *   link's) or `{key}`: 200 `{tenant, user?, expiresAt}` + `Set-Cookie: calsync_session=…; HttpOnly;
 *   SameSite=Strict; Path=/` (`Secure` over https); 401 for anything not accepted (one message for a
 *   wrong email or a wrong password). Refusals count against the client's address (rate limits).
 * - `GET /api/v1/session` (authenticated): who is signed in, `{tenant, user?, via}`.
 * - `DELETE /api/v1/session`: forgets the session, clears the cookie; 204.
 * - `POST /api/v1/ws-ticket` (authenticated, bearer or cookie): 201 `{ticket, expiresAt}`, good once for
 *   `GET /ws?ticket=…` within 30 s.
 */
import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CalsyncError } from '../../errors.js';
import { redeemSignInLink, signInWithPassword } from '../../service/sign-in.js';
import type { Store, TenantUser } from '../../store/types.js';
import { sessionId, type ApiKeyVerifier } from '../auth.js';
import { SESSION_COOKIE, type BrowserSessions, type Principal } from '../edge/sessions.js';
import { errorSchema } from '../schemas/common.js';

export interface SessionRouteOptions {
  verifier: ApiKeyVerifier;
  sessions: BrowserSessions;
  store: Store;
}

const tags = ['session'];

function cookieOptions(req: FastifyRequest, maxAgeS: number): CookieSerializeOptions {
  return { httpOnly: true, sameSite: 'strict', secure: req.protocol === 'https', path: '/', maxAge: maxAgeS };
}

/** Exactly one way of signing in per request. */
const signInBody = z.union([
  z.strictObject({ email: z.string().min(1).max(320), password: z.string().min(1).max(800) }),
  z.strictObject({ token: z.string().min(1).max(200) }),
  z.strictObject({ key: z.string().min(1).max(512) }),
]);

const tenantJson = { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } } } as const;
const userJson = { type: 'object', properties: { id: { type: 'string' }, email: { type: 'string' }, name: { type: 'string' } } } as const;

const userView = (u: TenantUser | undefined) => (u ? { user: { id: u.id, email: u.email, ...(u.name ? { name: u.name } : {}) } } : {});

/** The public half: sign in and sign out (register outside the auth hook). */
export function sessionRoutes(app: FastifyInstance, opts: SessionRouteOptions): void {
  app.post(
    '/session',
    {
      schema: {
        tags,
        summary: 'Sign in (browsers): email and password, a one-time link token, or an API key → an HttpOnly session cookie',
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            email: { type: 'string', maxLength: 320 },
            password: { type: 'string', maxLength: 800 },
            token: { type: 'string', maxLength: 200 },
            key: { type: 'string', maxLength: 512 },
          },
        },
        response: {
          200: { type: 'object', required: ['tenant', 'expiresAt'], properties: { tenant: tenantJson, user: userJson, expiresAt: { type: 'string' } } },
          400: errorSchema,
          401: errorSchema,
        },
      },
    },
    async (req, reply) => {
      const parsed = signInBody.safeParse(req.body);
      if (!parsed.success) throw new CalsyncError('VALIDATION', 'sign in with {email, password}, {token} or {key}', { retryable: false });
      const body = parsed.data;
      let principal: Principal;
      let signedIn: { tenant: { id: string; name: string }; user?: TenantUser };
      if ('email' in body) {
        const found = await signInWithPassword(opts.store, body.email, body.password);
        if (!found?.user) throw new CalsyncError('UNAUTHORIZED', 'that email and password do not match', { retryable: false });
        principal = { kind: 'user', userId: found.user.id };
        signedIn = found;
      } else if ('token' in body) {
        const found = await redeemSignInLink(opts.store, body.token);
        if (!found) throw new CalsyncError('UNAUTHORIZED', 'this sign-in link was used already or has expired; print a new one with: calsync signin-link', { retryable: false });
        principal = found.user ? { kind: 'user', userId: found.user.id } : { kind: 'tenant', tenantId: found.tenant.id };
        signedIn = found;
      } else {
        const found = await opts.verifier.verify(body.key);
        if (!found) throw new CalsyncError('UNAUTHORIZED', 'invalid API key', { retryable: false });
        principal = { kind: 'key', key: body.key };
        signedIn = found;
      }
      const session = opts.sessions.open(principal);
      void reply.setCookie(SESSION_COOKIE, session.id, cookieOptions(req, Math.floor(opts.sessions.sessionTtlMs / 1000)));
      return { tenant: { id: signedIn.tenant.id, name: signedIn.tenant.name }, ...userView(signedIn.user), expiresAt: new Date(session.expiresAt).toISOString() };
    },
  );

  app.delete('/session', { schema: { tags, summary: 'Sign out: end the session and clear its cookie' } }, async (req, reply) => {
    const id = sessionId(req);
    if (id !== undefined) opts.sessions.close(id);
    void reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.code(204).send();
  });
}

/** The authenticated half: who is signed in, and a WebSocket ticket (register inside the auth hook's scope). */
export function wsTicketRoute(app: FastifyInstance, opts: { sessions: BrowserSessions }): void {
  app.get(
    '/session',
    {
      schema: {
        tags,
        summary: 'Who is signed in: the tenant, the user (when a person signed in) and how',
        security: [{ apiKey: [] }],
        response: { 200: { type: 'object', required: ['tenant', 'via'], properties: { tenant: tenantJson, user: userJson, via: { type: 'string', enum: ['password', 'link', 'key'] } } } },
      },
    },
    async (req) => ({
      tenant: { id: req.tenant.id, name: req.tenant.name },
      ...userView(req.user),
      via: req.caller?.kind === 'key' ? 'key' : req.caller?.kind === 'tenant' ? 'link' : 'password',
    }),
  );
  app.post(
    '/ws-ticket',
    {
      schema: {
        tags,
        summary: 'A single-use ticket for GET /ws?ticket=… (valid 30 s), so no key travels in a WebSocket URL',
        security: [{ apiKey: [] }],
        response: { 201: { type: 'object', required: ['ticket', 'expiresAt'], properties: { ticket: { type: 'string' }, expiresAt: { type: 'string' } } } },
      },
    },
    async (req, reply) => {
      const who = req.caller;
      if (who === undefined) throw new CalsyncError('UNAUTHORIZED', 'a valid API key is required', { retryable: false });
      const ticket = opts.sessions.issueTicket(who);
      return reply.code(201).send({ ticket: ticket.id, expiresAt: new Date(ticket.expiresAt).toISOString() });
    },
  );
}
