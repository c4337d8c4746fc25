/**
 * `/_admin/…`: the admin API over HTTP (same operations as `GraphEmulatorAdmin`), for the CLI and
 * for tests in other processes. Bodies are validated; a bad one is a 400 that changes nothing.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { type GraphEmulatorAdmin, summarize } from '../admin.js';

const faultSchema = z.object({
  kind: z.enum(['throttle', 'error', 'latency']),
  count: z.number().int().positive().optional(),
  pathPrefix: z.string().optional(),
  method: z.string().optional(),
  retryAfterS: z.number().int().min(0).optional(),
  status: z.number().int().min(400).max(599).optional(),
  code: z.string().optional(),
  message: z.string().optional(),
  ms: z.number().int().min(0).max(120_000).optional(),
});

const notificationFaultSchema = z.object({
  drop: z.number().int().min(0).optional(),
  duplicate: z.number().int().min(0).optional(),
  delayMs: z.number().int().min(0).optional(),
  delayCount: z.number().int().min(0).optional(),
  reorder: z.number().int().min(0).optional(),
});

const userSchema = z.object({ user: z.string().optional() });
const actSchema = z.object({ method: z.enum(['GET', 'POST', 'PATCH', 'DELETE']), path: z.string().min(1), body: z.unknown().optional(), headers: z.record(z.string(), z.string()).optional() });

function parse<T>(schema: z.ZodType<T>, body: unknown, reply: FastifyReply): T | undefined {
  const r = schema.safeParse(body ?? {});
  if (r.success) return r.data;
  void reply.code(400).send({ error: { code: 'BadRequest', message: r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') } });
  return undefined;
}

export function registerAdminRoutes(app: FastifyInstance, admin: GraphEmulatorAdmin): void {
  app.get('/_admin/state', async () => summarize(admin));

  app.post('/_admin/users', async (req, reply) => {
    const b = parse(z.object({ userPrincipalName: z.string().min(3), displayName: z.string().optional(), id: z.string().optional() }), req.body, reply);
    if (!b) return reply;
    const mb = admin.addUser(b);
    return reply.code(201).send({ id: mb.id, userPrincipalName: mb.userPrincipalName });
  });

  app.post('/_admin/tokens', async (req, reply) => {
    const b = parse(z.object({ user: z.string(), clientId: z.string().optional(), scopes: z.array(z.string()).optional() }), req.body, reply);
    if (!b) return reply;
    const t = admin.issueToken(b.user, b);
    return { access_token: t.accessToken, expires_in: t.expiresInS, token_type: 'Bearer' };
  });

  app.post('/_admin/tokens/expire', async (req, reply) => {
    const b = parse(userSchema, req.body, reply);
    return b ? { expired: admin.expireAccessTokens(b.user) } : reply;
  });

  app.post('/_admin/tokens/revoke-refresh', async (req, reply) => {
    const b = parse(userSchema, req.body, reply);
    return b ? { revoked: admin.revokeRefreshTokens(b.user) } : reply;
  });

  app.post('/_admin/faults', async (req, reply) => {
    const b = parse(faultSchema, req.body, reply);
    if (!b) return reply;
    const rule =
      b.kind === 'latency'
        ? { kind: 'latency' as const, ms: b.ms ?? 1000 }
        : b.kind === 'throttle'
          ? { kind: 'throttle' as const, retryAfterS: b.retryAfterS ?? 1, ...(b.code ? { code: b.code } : {}) }
          : { kind: 'error' as const, status: b.status ?? 503, code: b.code ?? 'ServiceUnavailable', ...(b.message ? { message: b.message } : {}), ...(b.retryAfterS === undefined ? {} : { retryAfterS: b.retryAfterS }) };
    const entry = admin.addFault({ rule, ...(b.count ? { count: b.count } : {}), ...(b.pathPrefix ? { pathPrefix: b.pathPrefix } : {}), ...(b.method ? { method: b.method } : {}) });
    return reply.code(201).send(entry);
  });

  app.delete('/_admin/faults', async (_req, reply) => {
    admin.clearFaults();
    admin.resetThrottling();
    return reply.code(204).send();
  });

  app.post('/_admin/notifications/faults', async (req, reply) => {
    const b = parse(notificationFaultSchema, req.body, reply);
    return b ? admin.setNotificationFaults(b) : reply;
  });

  app.get('/_admin/notifications', async () => ({ deliveries: admin.deliveries() }));

  app.post('/_admin/notifications/flush', async (_req, reply) => {
    await admin.flushNotifications();
    return reply.code(204).send();
  });

  app.post('/_admin/delta/expire', async (_req, reply) => {
    admin.expireDeltaTokens();
    return reply.code(204).send();
  });

  app.post('/_admin/delta/duplicates', async (req, reply) => {
    const b = parse(z.object({ rounds: z.number().int().min(0) }), req.body, reply);
    if (!b) return reply;
    admin.duplicateDeltaItems(b.rounds);
    return reply.code(204).send();
  });

  app.delete('/_admin/subscriptions/:id', async (req, reply) =>
    admin.removeSubscription((req.params as { id: string }).id) ? reply.code(204).send() : reply.code(404).send({ error: { code: 'NotFound', message: 'No such subscription.' } }),
  );

  app.post('/_admin/subscriptions/:id/lifecycle', async (req, reply) => {
    const b = parse(z.object({ event: z.enum(['reauthorizationRequired', 'subscriptionRemoved', 'missed']) }), req.body, reply);
    if (!b) return reply;
    const id = (req.params as { id: string }).id;
    if (b.event === 'subscriptionRemoved') return admin.removeSubscription(id) ? reply.code(202).send() : reply.code(404).send();
    return admin.sendLifecycle(id, b.event) ? reply.code(202).send() : reply.code(404).send({ error: { code: 'NotFound', message: 'No such subscription with a lifecycleNotificationUrl.' } });
  });

  app.get('/_admin/requests', async () => ({ requests: admin.requests() }));

  app.delete('/_admin/requests', async (_req, reply) => {
    admin.clearRequests();
    return reply.code(204).send();
  });

  app.post('/_admin/users/:user/events/:id/move', async (req, reply) => {
    const b = parse(z.object({ calendarId: z.string().min(1) }), req.body, reply);
    if (!b) return reply;
    const { user, id } = req.params as { user: string; id: string };
    return admin.moveEvent(user, id, b.calendarId);
  });

  app.post('/_admin/users/:user/act', async (req, reply) => {
    const b = parse(actSchema, req.body, reply);
    if (!b) return reply;
    const res = await admin.act((req.params as { user: string }).user, b.method, b.path, b.body, b.headers);
    return reply.code(200).send(res);
  });
}
