/**
 * `/api/v1/notification-endpoints`: a tenant registers the URLs that receive its signed notifications
 * (`schedule.changed`, `integration.unhealthy`). The signing secret is in the 201 answer and nowhere
 * else, ever. URLs must be https on a public address unless private URLs are allowed.
 */
import type { FastifyInstance } from 'fastify';
import { CalsyncError } from '../../errors.js';
import { assertAllowedUrl } from '../../net/url-policy.js';
import { NOTIFICATION_TYPES, type NotificationEndpoints, type NotificationType } from '../../service/notifications/endpoints.js';

export interface NotificationEndpointRouteOptions {
  endpoints: NotificationEndpoints;
  allowPrivateUrls?: boolean;
}

const endpointSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    url: { type: 'string' },
    description: { type: 'string' },
    events: { type: 'array', items: { type: 'string', enum: NOTIFICATION_TYPES } },
    createdAt: { type: 'string' },
  },
  required: ['id', 'url', 'events', 'createdAt'],
} as const;

const tags = ['notifications'];
const security = [{ apiKey: [] }];

export function notificationEndpointRoutes(app: FastifyInstance, opts: NotificationEndpointRouteOptions): void {
  app.post<{ Body: { url: string; description?: string; events?: NotificationType[] } }>(
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
            events: { type: 'array', items: { type: 'string', enum: NOTIFICATION_TYPES }, uniqueItems: true },
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
}
