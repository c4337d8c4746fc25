/**
 * Browser sign-in (issue 10, finding 4): the dashboard trades the API key for a session cookie once,
 * and for a single-use ticket each time it opens the WebSocket, so the key never travels in a URL.
 *
 * - `POST /api/v1/session {key}` (no auth): 200 `{tenant, expiresAt}` + `Set-Cookie: calsync_session=…;
 *   HttpOnly; SameSite=Strict; Path=/` (`Secure` over https); 401 for a wrong key.
 * - `DELETE /api/v1/session`: forgets the session, clears the cookie; 204.
 * - `POST /api/v1/ws-ticket` (authenticated, bearer or cookie): 201 `{ticket, expiresAt}`, good once for
 *   `GET /ws?ticket=…` within 30 s.
 */
import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CalsyncError } from '../../errors.js';
import { sessionId, type ApiKeyVerifier } from '../auth.js';
import { SESSION_COOKIE, type BrowserSessions } from '../edge/sessions.js';
import { errorSchema } from '../schemas/common.js';

export interface SessionRouteOptions {
  verifier: ApiKeyVerifier;
  sessions: BrowserSessions;
}

const tags = ['session'];

function cookieOptions(req: FastifyRequest, maxAgeS: number): CookieSerializeOptions {
  return { httpOnly: true, sameSite: 'strict', secure: req.protocol === 'https', path: '/', maxAge: maxAgeS };
}

/** The public half: sign in and sign out (register outside the auth hook). */
export function sessionRoutes(app: FastifyInstance, opts: SessionRouteOptions): void {
  app.post<{ Body: { key: string } }>(
    '/session',
    {
      schema: {
        tags,
        summary: 'Sign in: trade an API key for an HttpOnly session cookie (browsers)',
        body: { type: 'object', additionalProperties: false, required: ['key'], properties: { key: { type: 'string', minLength: 1, maxLength: 512 } } },
        response: {
          200: { type: 'object', required: ['tenant', 'expiresAt'], properties: { tenant: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } } }, expiresAt: { type: 'string' } } },
          401: errorSchema,
        },
      },
    },
    async (req, reply) => {
      const found = await opts.verifier.verify(req.body.key);
      if (!found) throw new CalsyncError('UNAUTHORIZED', 'invalid API key', { retryable: false });
      const session = opts.sessions.open(req.body.key);
      void reply.setCookie(SESSION_COOKIE, session.id, cookieOptions(req, Math.floor(opts.sessions.sessionTtlMs / 1000)));
      return { tenant: { id: found.tenant.id, name: found.tenant.name }, expiresAt: new Date(session.expiresAt).toISOString() };
    },
  );

  app.delete('/session', { schema: { tags, summary: 'Sign out: end the session and clear its cookie' } }, async (req, reply) => {
    const id = sessionId(req);
    if (id !== undefined) opts.sessions.close(id);
    void reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.code(204).send();
  });
}

/** The authenticated half: a WebSocket ticket (register inside the auth hook's scope). */
export function wsTicketRoute(app: FastifyInstance, opts: { sessions: BrowserSessions }): void {
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
      const key = req.presentedApiKey;
      if (key === undefined) throw new CalsyncError('UNAUTHORIZED', 'a valid API key is required', { retryable: false });
      const ticket = opts.sessions.issueTicket(key);
      return reply.code(201).send({ ticket: ticket.id, expiresAt: new Date(ticket.expiresAt).toISOString() });
    },
  );
}
