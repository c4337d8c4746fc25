/**
 * `GET /api/v1/changes`: the hub's changes in commit order from a cursor, with a long-poll `wait`. A
 * cursor that cannot continue without a gap answers 410 `CHANGES_CURSOR_EXPIRED` (start over from
 * `/events`). See `service/changes/feed.ts`.
 */
import type { FastifyInstance } from 'fastify';
import type { ChangeSignal } from '../../../service/changes/change-signal.js';
import { readChanges } from '../../../service/changes/feed.js';
import { changePageSchema, changesQuery } from '../../schemas/changes.js';
import { commonErrors, errorSchema } from '../../schemas/common.js';
import { docs, type ApiDeps } from './context.js';

export function changeRoutes(app: FastifyInstance, deps: ApiDeps, signal: ChangeSignal): void {
  app.get<{ Querystring: { cursor?: string; limit: number; wait: number } }>(
    '/changes',
    {
      schema: {
        ...docs('changes', "The hub's changes (created, updated, deleted, restored) strictly in commit order, from a cursor; `wait` long-polls"),
        querystring: changesQuery,
        response: {
          200: changePageSchema,
          ...commonErrors,
          410: { description: 'The cursor cannot continue without a gap (history pruned, or a cursor from a restored database): list /events again and follow the feed from its cursor (code CHANGES_CURSOR_EXPIRED)', ...errorSchema },
        },
      },
    },
    async (req) => {
      // The client going away ends the wait (no answer is owed to a closed connection).
      const gone = new AbortController();
      const onClose = (): void => gone.abort();
      req.raw.socket?.once('close', onClose);
      try {
        return await readChanges({ store: deps.store, signal }, req.tenant.id, {
          ...(req.query.cursor === undefined ? {} : { cursor: req.query.cursor }),
          limit: req.query.limit,
          waitMs: req.query.wait * 1000,
          signal: gone.signal,
        });
      } finally {
        req.raw.socket?.off('close', onClose);
      }
    },
  );
}
