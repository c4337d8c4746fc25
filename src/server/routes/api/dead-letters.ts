/** Dead letters of the tenant: jobs that used up their attempts. Replay gives a fresh attempt budget. */
import type { FastifyInstance } from 'fastify';
import { commonErrors, idParams, noContent } from '../../schemas/common.js';
import { deadLetterListSchema, replayedSchema } from '../../schemas/dead-letters.js';
import { docs, notFound, requireQueue, type ApiDeps } from './context.js';
import { presentJob } from './syncs.js';

export function deadLetterRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get(
    '/dead-letters',
    { schema: { ...docs('dead-letters', 'Jobs that failed every attempt, with their last error'), response: { 200: deadLetterListSchema, ...commonErrors } } },
    async (req) => (await requireQueue(deps).deadLetters(req.tenant.id)).map(presentJob),
  );

  app.post<{ Params: { id: string } }>(
    '/dead-letters/:id/replay',
    { schema: { ...docs('dead-letters', 'Run a dead job again with a fresh attempt budget'), params: idParams, response: { 200: replayedSchema, ...commonErrors } } },
    async (req) => {
      if (!(await requireQueue(deps).replay(req.params.id, req.tenant.id))) throw notFound('dead letter', req.params.id);
      return { replayed: true };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/dead-letters/:id',
    { schema: { ...docs('dead-letters', 'Discard a dead job'), params: idParams, response: { 204: noContent, ...commonErrors } } },
    async (req, reply) => {
      if (!(await requireQueue(deps).discard(req.params.id, req.tenant.id))) throw notFound('dead letter', req.params.id);
      return reply.code(204).send();
    },
  );
}
