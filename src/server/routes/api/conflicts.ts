/**
 * The conflict inbox: list with filters, one conflict with base and both versions, and resolving it by
 * side, by merge or field by field — applied to both sides at once through the calendar's provider.
 */
import type { FastifyInstance } from 'fastify';
import { ValidationError } from '../../../errors.js';
import { resolveAndPropagate } from '../../../service/conflicts.js';
import type { ConflictChoice } from '../../../sync/resolve.js';
import type { ConflictStatus } from '../../../store/types.js';
import { commonErrors, errorSchema, idParams } from '../../schemas/common.js';
import { conflictListQuery, conflictSchema, resolveBody } from '../../schemas/conflicts.js';
import { docs, notFound, type ApiDeps } from './context.js';

type ResolveBody = { take?: 'wedsync' | 'provider' | 'merge'; fields?: Record<string, 'wedsync' | 'provider'> };

export function conflictRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { store } = deps;

  app.get<{ Querystring: { status?: ConflictStatus; calendarId?: string; hubEventId?: string } }>(
    '/conflicts',
    { schema: { ...docs('conflicts', 'List conflicts (newest first), filtered by status, calendar or event'), querystring: conflictListQuery, response: { 200: { type: 'array', items: conflictSchema }, ...commonErrors } } },
    async (req) => {
      const { status, calendarId, hubEventId } = req.query;
      const all = await store.conflicts.list(req.tenant.id, { ...(status ? { status } : {}), ...(calendarId ? { calendarId } : {}) });
      return hubEventId === undefined ? all : all.filter((c) => c.hubEventId === hubEventId);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/conflicts/:id',
    { schema: { ...docs('conflicts', 'One conflict with the base and both versions'), params: idParams, response: { 200: conflictSchema, ...commonErrors } } },
    async (req) => {
      const conflict = await store.conflicts.get(req.tenant.id, req.params.id);
      if (!conflict) throw notFound('conflict', req.params.id);
      return conflict;
    },
  );

  app.post<{ Params: { id: string }; Body: ResolveBody }>(
    '/conflicts/:id/resolve',
    {
      schema: {
        ...docs('conflicts', 'Resolve: {"take":"wedsync"|"provider"|"merge"} or {"fields":{"start":"provider",…}}'),
        params: idParams,
        body: resolveBody,
        response: { 200: conflictSchema, ...commonErrors, 409: { description: 'The item changed again while resolving; read the conflict again', ...errorSchema } },
      },
    },
    async (req) => {
      const { take, fields } = req.body;
      if ((take === undefined) === (fields === undefined)) throw new ValidationError('send either "take" or "fields"');
      const choice: ConflictChoice = fields ? { take: 'fields', fields } : { take: take ?? 'wedsync' };
      const by = `api:${req.apiKey.label || req.apiKey.prefix}`;
      const resolveDeps = { store, providers: deps.providers, clock: deps.clock, ...(deps.queue ? { queue: deps.queue } : {}) };
      return (await resolveAndPropagate(resolveDeps, req.tenant.id, req.params.id, choice, by)).conflict;
    },
  );
}
