/**
 * The request pipeline of `/v1.0`: request ids, authentication, injected faults, throttling,
 * and Graph-shaped errors for everything that fails — including Fastify's own errors (bad JSON,
 * unknown routes), so clients never see a non-Graph error body.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type EmulatorContext, header } from './context.js';
import { GraphError, graphErrorBody } from './graph-error.js';
import { newRequestId } from './ids.js';

/** Graph paths are case-insensitive; routes are registered with the documented casing. */
const CANONICAL = ['calendarView', 'calendars', 'calendar', 'events', 'instances', 'delta', 'subscriptions', 'reauthorize', 'me', 'users', '$batch', 'cancel', 'v1.0'];
const BY_LOWER = new Map(CANONICAL.map((s) => [s.toLowerCase(), s]));

/** Marks an inner `$batch` request (its value is the admin secret, so a client cannot forge it). */
export const INNER_HEADER = 'x-emulator-batch-inner';

export function canonicalUrl(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const rest = q < 0 ? '' : url.slice(q);
  return path.split('/').map((seg) => BY_LOWER.get(seg.toLowerCase()) ?? seg).join('/') + rest;
}

/** Graph's answer to an unknown route: 400 naming the segment it could not resolve. */
function unknownSegment(url: string): GraphError {
  const segs = url.split('?')[0]?.split('/').filter(Boolean) ?? [];
  return new GraphError(400, 'BadRequest', `Resource not found for the segment '${segs[segs.length - 1] ?? ''}'.`);
}

export function sendGraphError(ctx: EmulatorContext, req: FastifyRequest, reply: FastifyReply, err: GraphError): FastifyReply {
  const requestId = String(reply.getHeader('request-id') ?? newRequestId());
  return reply
    .code(err.status)
    .headers(err.headers)
    .type('application/json')
    .send(graphErrorBody(err.code, err.message, { requestId, clientRequestId: header(req, 'client-request-id') ?? requestId, nowMs: ctx.clock.now() }));
}

function toGraphError(err: FastifyError | GraphError): GraphError {
  if (err instanceof GraphError) return err;
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new GraphError(413, 'RequestEntityTooLarge', 'The request body is too large.');
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500)
    return new GraphError(400, 'BadRequest', `Unable to read JSON request payload: ${err.message}`);
  return new GraphError(500, 'generalException', 'An internal server error occurred.');
}

export function installGraphPipeline(app: FastifyInstance, ctx: EmulatorContext): void {
  app.decorateRequest('principal', null);
  app.decorateRequest('releaseThrottle', null);

  // An empty body is legal on POST actions (reauthorize, cancel); Fastify would refuse it.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (e) {
      done(new GraphError(400, 'BadRequest', `Unable to read JSON request payload. ${(e as Error).message}`), undefined);
    }
  });

  app.setErrorHandler((err: FastifyError | GraphError, req, reply) => sendGraphError(ctx, req, reply, toGraphError(err)));
  app.setNotFoundHandler((req, reply) =>
    req.url.startsWith('/v1.0/')
      ? sendGraphError(ctx, req, reply, unknownSegment(req.url))
      : reply.code(404).send({ error: { code: 'NotFound', message: `No route ${req.method} ${req.url}` } }),
  );

  app.addHook('onRequest', async (req, reply) => {
    const requestId = newRequestId();
    reply.header('request-id', requestId);
    reply.header('client-request-id', header(req, 'client-request-id') ?? requestId);
    if (!req.url.startsWith('/v1.0/')) return;
    const applied = appliedPreferences(header(req, 'prefer'));
    if (applied) reply.header('Preference-Applied', applied);
    if (header(req, 'x-emulator-admin') === ctx.adminSecret) {
      const user = ctx.store.mailbox(header(req, 'x-emulator-user') ?? '');
      req.principal = { userId: user.id, userPrincipalName: user.userPrincipalName, displayName: user.displayName, clientId: 'emulator-admin', tenantId: ctx.tenantId, scopes: [] };
      return;
    }
    req.principal = ctx.tokens.authenticate(header(req, 'authorization'));
    const { latencyMs, hold, failure } = ctx.faults.take(req.method, req.url.slice('/v1.0'.length));
    // The outer $batch request is not counted: each inner request is, on its own.
    if (!req.url.startsWith('/v1.0/$batch')) {
      req.releaseThrottle = ctx.throttle.enter(`${req.principal.clientId}|${throttleMailbox(ctx, req)}`);
    }
    // Injected latency is spent while the request holds its concurrency slot, as a slow Graph would.
    if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
    if (hold) await ctx.faults.hold();
    if (failure) throw failure;
  });

  const release = async (req: FastifyRequest): Promise<void> => {
    req.releaseThrottle?.();
  };
  app.addHook('onResponse', async (req, reply) => {
    await release(req);
    if (!req.url.startsWith('/v1.0/') || header(req, 'x-emulator-admin') === ctx.adminSecret) return;
    ctx.requestLog.add({
      method: req.method,
      path: req.url.slice('/v1.0'.length).split('?')[0] ?? '',
      status: reply.statusCode,
      inBatch: header(req, INNER_HEADER) === ctx.adminSecret,
      atMs: ctx.clock.now(),
    });
  });
  app.addHook('onRequestAbort', release);
}

/** The Prefer options Graph honours and acknowledges in Preference-Applied (event-get.md sample). */
function appliedPreferences(prefer: string | undefined): string | undefined {
  if (!prefer) return undefined;
  const applied: string[] = [];
  const zone = /outlook\.timezone\s*=\s*"[^"]+"/i.exec(prefer);
  if (zone) applied.push(zone[0]);
  const pageSize = /odata\.maxpagesize\s*=\s*\d+/i.exec(prefer);
  if (pageSize) applied.push(pageSize[0]);
  const body = /outlook\.body-content-type\s*=\s*"?(text|html)"?/i.exec(prefer);
  if (body) applied.push(`outlook.body-content-type="${body[1]?.toLowerCase()}"`);
  if (/IdType\s*=\s*"?ImmutableId"?/i.test(prefer)) applied.push('IdType="ImmutableId"');
  return applied.length > 0 ? applied.join(', ') : undefined;
}

/** The mailbox a request counts against: `/users/{id}` names it, everything else is the caller's. */
function throttleMailbox(ctx: EmulatorContext, req: FastifyRequest): string {
  const m = /^\/v1\.0\/users\/([^/?]+)/.exec(req.url);
  if (!m?.[1]) return req.principal?.userId ?? '';
  try {
    return ctx.store.mailbox(decodeURIComponent(m[1])).id;
  } catch {
    return decodeURIComponent(m[1]).toLowerCase();
  }
}
