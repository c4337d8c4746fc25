/**
 * `GET /api/v1/agenda?days=N`: the dashboard's first view — the tenant's events of the next N days
 * (default 42) in time order, each with its state in every enabled calendar (`service/agenda.ts`).
 */
import type { FastifyInstance } from 'fastify';
import { upcomingAgenda } from '../../../service/agenda.js';
import { commonErrors } from '../../schemas/common.js';
import { docs, type ApiDeps } from './context.js';

const stateSchema = { type: 'string', enum: ['synced', 'waiting', 'conflict', 'failed', 'not_sent'] } as const;

const agendaSchema = {
  type: 'object',
  required: ['from', 'days', 'events'],
  properties: {
    from: { type: 'string' },
    days: { type: 'integer' },
    events: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'title', 'startsAt', 'start', 'weddingCritical', 'calendars'],
        properties: {
          id: { type: 'string' },
          title: { type: 'string' },
          startsAt: { type: 'string' },
          start: { type: 'object', additionalProperties: true },
          end: { type: 'object', additionalProperties: true },
          location: { type: 'string' },
          kind: { type: 'string' },
          weddingCritical: { type: 'boolean' },
          calendars: {
            type: 'array',
            items: { type: 'object', required: ['calendarId', 'state'], properties: { calendarId: { type: 'string' }, state: stateSchema, conflictId: { type: 'string' } } },
          },
        },
      },
    },
  },
} as const;

export function agendaRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get<{ Querystring: { days?: number } }>(
    '/agenda',
    {
      schema: {
        ...docs('events', 'Upcoming events with their sync state in every enabled calendar (synced, waiting, conflict, failed, not_sent)'),
        querystring: { type: 'object', additionalProperties: false, properties: { days: { type: 'integer', minimum: 1, maximum: 366 } } },
        response: { 200: agendaSchema, ...commonErrors },
      },
    },
    async (req) => {
      const fromMs = deps.clock.now();
      const days = req.query.days ?? 42;
      const entries = await upcomingAgenda(deps.store, req.tenant.id, { fromMs, days });
      return {
        from: new Date(fromMs).toISOString(),
        days,
        events: entries.map(({ event, startMs, weddingCritical, calendars }) => ({
          id: event.id,
          title: event.event.title,
          startsAt: new Date(startMs).toISOString(),
          start: event.event.start,
          ...(event.event.end ? { end: event.event.end } : {}),
          ...(event.event.location ? { location: event.event.location } : {}),
          kind: event.event.wedding.kind,
          weddingCritical,
          calendars,
        })),
      };
    },
  );
}
