/**
 * Integrations: list with health, connect CalDAV / iCloud (discovery first, so wrong credentials or a
 * server without calendars save nothing), rename or set conflict rules, disconnect. The Outlook OAuth
 * routes exist when the Outlook connector supplies its flow (`deps.outlookOAuth`).
 */
import type { FastifyInstance } from 'fastify';
import { connectCalDav, type ConnectCalDavInput } from '../../../service/connect.js';
import { integrationHealth, type IntegrationHealthReport } from '../../../service/health.js';
import { enqueuePushEnsures } from '../../../service/webdav-push/jobs.js';
import type { Integration } from '../../../store/types.js';
import { calendarSchema } from '../../schemas/calendars.js';
import { commonErrors, errorSchema, idParams, noContent } from '../../schemas/common.js';
import { connectCalDavBody, connectICloudBody, integrationSchema, integrationWithHealthSchema, patchIntegrationBody } from '../../schemas/integrations.js';
import { docs, notFound, type ApiDeps, type OutlookOAuthFlow } from './context.js';

const connectedSchema = {
  type: 'object',
  required: ['integration', 'calendars'],
  properties: { integration: integrationSchema, calendars: { type: 'array', items: calendarSchema } },
} as const;

const connectResponses = { 201: { description: 'Connected; read-only calendars start disabled', ...connectedSchema }, ...commonErrors } as const;

export function integrationRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { store } = deps;

  /** Health of every integration of the tenant, by id (conflicts and dead letters are read once). */
  async function healthOf(tenantId: string): Promise<Map<string, IntegrationHealthReport>> {
    const health = await integrationHealth(store, deps.queue, tenantId, { providers: deps.providers, clock: deps.clock });
    return new Map(health.integrations.map((r) => [r.integrationId, r]));
  }

  async function load(tenantId: string, id: string): Promise<Integration> {
    const integration = await store.integrations.get(tenantId, id);
    if (!integration) throw notFound('integration', id);
    return integration;
  }

  app.get(
    '/integrations',
    { schema: { ...docs('integrations', 'List integrations with their health'), response: { 200: { type: 'array', items: integrationWithHealthSchema }, ...commonErrors } } },
    async (req) => {
      const [integrations, health] = await Promise.all([store.integrations.list(req.tenant.id), healthOf(req.tenant.id)]);
      // One created or deleted between the two reads is left out rather than shown without health.
      return integrations.flatMap((i) => {
        const h = health.get(i.id);
        return h ? [{ ...i, health: h }] : [];
      });
    },
  );

  app.get<{ Params: { id: string } }>(
    '/integrations/:id',
    { schema: { ...docs('integrations', 'One integration with its health'), params: idParams, response: { 200: integrationWithHealthSchema, ...commonErrors } } },
    async (req) => {
      const integration = await load(req.tenant.id, req.params.id);
      const health = (await healthOf(req.tenant.id)).get(integration.id);
      if (!health) throw notFound('integration', req.params.id);
      return { ...integration, health };
    },
  );

  const connect = async (tenantId: string, input: Omit<ConnectCalDavInput, 'allowPrivate'>) => {
    const result = await connectCalDav(
      { store, clock: deps.clock, onReconnect: (i) => deps.providers.forget(i.id), ...(deps.makeCalDavProvider ? { makeProvider: deps.makeCalDavProvider } : {}) },
      tenantId,
      { ...input, allowPrivate: deps.allowPrivateUrls },
    );
    // WebDAV-Push where the server offers it: registered by the workers now, not at the next sweep.
    if (deps.queue) await enqueuePushEnsures(deps.queue, result.integration, result.calendars.filter((c) => c.enabled).map((c) => c.id));
    return result;
  };

  app.post<{ Body: { url: string; username: string; password: string; name?: string } }>(
    '/integrations/caldav',
    { schema: { ...docs('integrations', 'Connect a CalDAV server (calendars are discovered before anything is saved)'), body: connectCalDavBody, response: connectResponses } },
    async (req, reply) => {
      const { url, username, password, name } = req.body;
      const result = await connect(req.tenant.id, { kind: 'caldav', url, username, password, ...(name === undefined ? {} : { name }) });
      return reply.code(201).send(result);
    },
  );

  app.post<{ Body: { username: string; password: string; name?: string } }>(
    '/integrations/icloud',
    { schema: { ...docs('integrations', 'Connect iCloud with an Apple ID and an app-specific password'), body: connectICloudBody, response: connectResponses } },
    async (req, reply) => {
      const { username, password, name } = req.body;
      const result = await connect(req.tenant.id, { kind: 'icloud', username, password, ...(name === undefined ? {} : { name }) });
      return reply.code(201).send(result);
    },
  );

  app.patch<{ Params: { id: string }; Body: Partial<Pick<Integration, 'name' | 'conflictRules'>> }>(
    '/integrations/:id',
    { schema: { ...docs('integrations', 'Rename an integration or set its conflict rules'), params: idParams, body: patchIntegrationBody, response: { 200: integrationSchema, ...commonErrors } } },
    async (req) => {
      await load(req.tenant.id, req.params.id);
      const updated = await store.integrations.update(req.tenant.id, req.params.id, req.body);
      await deps.providers.forget(updated.id);
      return updated;
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/integrations/:id',
    { schema: { ...docs('integrations', 'Disconnect: delete subscriptions, credentials, calendars and links (hub events stay)'), params: idParams, response: { 204: noContent, ...commonErrors } } },
    async (req, reply) => {
      const integration = await load(req.tenant.id, req.params.id);
      // Subscriptions first, while the credentials to delete them still exist.
      await deps.onDisconnect?.(integration);
      await deps.providers.forget(integration.id);
      await store.integrations.delete(req.tenant.id, integration.id);
      return reply.code(204).send();
    },
  );

  const outlook = deps.outlookOAuth;
  if (!outlook) return;

  app.post<{ Body: { name?: string; loginHint?: string; graphUrl?: string } | null }>(
    '/integrations/outlook/start',
    {
      schema: {
        ...docs('integrations', 'Start connecting Outlook: returns the Microsoft sign-in URL'),
        body: {
          type: ['object', 'null'],
          additionalProperties: false,
          properties: { name: { type: 'string', minLength: 1, maxLength: 200 }, loginHint: { type: 'string', maxLength: 320 }, graphUrl: { type: 'string', maxLength: 2000 } },
        },
        response: { 200: { type: 'object', required: ['authorizeUrl', 'state'], properties: { authorizeUrl: { type: 'string' }, state: { type: 'string' } } }, ...commonErrors },
      },
    },
    async (req) => {
      const body = req.body ?? {};
      return outlook.start(req.tenant.id, {
        ...(body.name === undefined ? {} : { name: body.name }),
        ...(body.loginHint === undefined ? {} : { loginHint: body.loginHint }),
        ...(body.graphUrl === undefined ? {} : { graphUrl: body.graphUrl }),
      });
    },
  );
}

/**
 * The Outlook sign-in redirect lands here. A browser follows it, so there is no API key: the `state`
 * the flow issued at start names the tenant and is single-use (checked by the flow's `finish`).
 */
export function outlookCallbackRoute(app: FastifyInstance, outlook: OutlookOAuthFlow): void {
  app.get<{ Querystring: { code: string; state: string } }>(
    '/integrations/outlook/callback',
    {
      schema: {
        tags: ['integrations'],
        summary: 'Finish connecting Outlook with the code the sign-in redirect brought back (authenticated by state)',
        querystring: {
          type: 'object',
          required: ['code', 'state'],
          properties: { code: { type: 'string', minLength: 1, maxLength: 4000 }, state: { type: 'string', minLength: 1, maxLength: 200 } },
        },
        response: { 201: connectedSchema, 400: commonErrors[400], 401: commonErrors[401], 409: errorSchema, 500: commonErrors[500] },
      },
    },
    async (req, reply) => reply.code(201).send(await outlook.finish({ code: req.query.code, state: req.query.state })),
  );
}
