/**
 * `/api/v1/notification-endpoints`: a tenant registers the URLs that receive its webhooks, signed per
 * Standard Webhooks (hub changes `event.*`, `conflict.opened`/`.resolved`, `schedule.changed`,
 * `integration.unhealthy`), and can send one a test event. The signing secret is in the 201 answer and
 * nowhere else, ever. URLs must be https on a public address unless private URLs are allowed.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { CalsyncError } from '../../errors.js';
import { assertAllowedUrl } from '../../net/url-policy.js';
import { NOTIFICATION_TYPES, TEST_TYPE, type NotificationEndpoints, type NotificationType } from '../../service/notifications/endpoints.js';
import { deliverer, notificationBody } from '../../service/notifications/notifier.js';
import { systemClock, type Clock } from '../../util/clock.js';

export interface NotificationEndpointRouteOptions {
  endpoints: NotificationEndpoints;
  allowPrivateUrls?: boolean;
  clock?: Clock;
}

const endpointSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    url: { type: 'string' },
    description: { type: 'string' },
    events: { type: 'array', items: { type: 'string', enum: NOTIFICATION_TYPES } },
    legacyHeaders: { type: 'boolean', description: 'Also sends the old X-Calsync-* signature headers (deprecated; kept for one release)' },
    createdAt: { type: 'string' },
  },
  required: ['id', 'url', 'events', 'createdAt'],
} as const;

const tags = ['notifications'];
const security = [{ apiKey: [] }];

export function notificationEndpointRoutes(app: FastifyInstance, opts: NotificationEndpointRouteOptions): void {
  app.post<{ Body: { url: string; description?: string; events?: NotificationType[]; legacyHeaders?: boolean } }>(
    '/notification-endpoints',
    {
      schema: {
        tags,
        security,
        summary: 'Register an endpoint for signed notifications; the answer holds its signing secret, shown only this once',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['url'],
          properties: {
            url: { type: 'string', minLength: 1, maxLength: 2000 },
            description: { type: 'string', maxLength: 500 },
            events: { type: 'array', items: { type: 'string', enum: NOTIFICATION_TYPES }, uniqueItems: true, description: 'Default: every type' },
            legacyHeaders: { type: 'boolean', default: false, description: 'Also send the old X-Calsync-* headers (deprecated)' },
          },
        },
        response: { 201: { ...endpointSchema, properties: { ...endpointSchema.properties, secret: { type: 'string' } }, required: [...endpointSchema.required, 'secret'] } },
      },
    },
    async (req, reply) => {
      const url = await assertAllowedUrl(req.body.url, { allowPrivate: opts.allowPrivateUrls === true });
      const { endpoint, secret } = await opts.endpoints.create(req.tenant.id, {
        url: url.toString(),
        ...(req.body.description ? { description: req.body.description } : {}),
        ...(req.body.events ? { events: req.body.events } : {}),
        ...(req.body.legacyHeaders ? { legacyHeaders: true } : {}),
      });
      return reply.code(201).send({ ...endpoint, secret });
    },
  );

  app.get('/notification-endpoints', { schema: { tags, security, summary: "The tenant's notification endpoints (without secrets)", response: { 200: { type: 'array', items: endpointSchema } } } }, async (req) =>
    opts.endpoints.list(req.tenant.id),
  );

  app.delete<{ Params: { id: string } }>(
    '/notification-endpoints/:id',
    { schema: { tags, security, summary: 'Remove an endpoint; pending deliveries to it are dropped', params: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } } },
    async (req, reply) => {
      if (!(await opts.endpoints.delete(req.tenant.id, req.params.id))) throw new CalsyncError('STORE_NOT_FOUND', `notification endpoint ${req.params.id} not found`);
      return reply.code(204).send();
    },
  );

  const deliver = deliverer({ clock: opts.clock ?? systemClock, notifierOptions: { allowPrivateUrls: opts.allowPrivateUrls === true, attempts: 1 } });
  app.post<{ Params: { id: string } }>(
    '/notification-endpoints/:id/test',
    {
      schema: {
        tags,
        security,
        summary: 'Send the endpoint a signed `webhook.test` event now, and say how it answered',
        params: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
        response: {
          200: {
            type: 'object',
            required: ['delivered', 'webhookId'],
            properties: { delivered: { type: 'boolean' }, webhookId: { type: 'string' }, error: { type: 'string', description: 'Why it failed (no 2xx, unreachable, refused address)' } },
          },
        },
      },
    },
    async (req) => {
      const target = await opts.endpoints.withSecret(req.tenant.id, req.params.id);
      if (!target) throw new CalsyncError('STORE_NOT_FOUND', `notification endpoint ${req.params.id} not found`);
      const webhookId = `msg_${randomUUID()}`;
      const body = notificationBody(webhookId, TEST_TYPE, req.tenant.id, { message: 'A test event from calsync' }, opts.clock ?? systemClock);
      try {
        await deliver(target, { eventId: webhookId, type: TEST_TYPE, body });
        return { delivered: true, webhookId };
      } catch (err) {
        return { delivered: false, webhookId, error: err instanceof Error ? err.message : String(err) };
      }
    },
  );
}
