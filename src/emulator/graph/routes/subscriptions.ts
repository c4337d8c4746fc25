/** `/subscriptions` (api/subscription-post-subscriptions.md and siblings). */
import type { FastifyInstance } from 'fastify';
import { type EmulatorContext, baseUrl, header, linkWith, principalOf, queryOf, wantsImmutableIds } from '../context.js';
import { renderSubscription } from '../subscription-json.js';

/** Subscriptions per page of a list (Graph pages with @odata.nextLink). */
const LIST_PAGE = 100;

export function registerSubscriptionRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const context = (host: string, suffix: string): string => `${host}/v1.0/$metadata#subscriptions${suffix}`;

  app.post('/v1.0/subscriptions', async (req, reply) => {
    const sub = await ctx.subscriptions.create(principalOf(req), req.body, { immutableIds: wantsImmutableIds(header(req, 'prefer')) });
    return reply.code(201).send({ '@odata.context': context(baseUrl(ctx, req), '/$entity'), ...renderSubscription(sub) });
  });

  app.get('/v1.0/subscriptions', async (req) => {
    const all = ctx.subscriptions.list(principalOf(req));
    const skip = Number(queryOf(req).$skiptoken ?? 0) || 0;
    const page = all.slice(skip, skip + LIST_PAGE);
    return {
      '@odata.context': context(baseUrl(ctx, req), ''),
      value: page.map(renderSubscription),
      ...(skip + LIST_PAGE < all.length ? { '@odata.nextLink': linkWith(ctx, req, { $skiptoken: String(skip + LIST_PAGE) }) } : {}),
    };
  });

  app.get('/v1.0/subscriptions/:id', async (req) => ({
    '@odata.context': context(baseUrl(ctx, req), '/$entity'),
    ...renderSubscription(ctx.subscriptions.get(principalOf(req), (req.params as { id: string }).id)),
  }));

  app.patch('/v1.0/subscriptions/:id', async (req) => ({
    '@odata.context': context(baseUrl(ctx, req), '/$entity'),
    ...renderSubscription(ctx.subscriptions.update(principalOf(req), (req.params as { id: string }).id, req.body)),
  }));

  app.delete('/v1.0/subscriptions/:id', async (req, reply) => {
    ctx.subscriptions.delete(principalOf(req), (req.params as { id: string }).id);
    return reply.code(204).send();
  });

  app.post('/v1.0/subscriptions/:id/reauthorize', async (req, reply) => {
    ctx.subscriptions.reauthorize(principalOf(req), (req.params as { id: string }).id);
    return reply.code(204).send();
  });
}
