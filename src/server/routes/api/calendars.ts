/** Calendars: list (all, or one integration's), get with sync state, and change how each one syncs. */
import type { FastifyInstance } from 'fastify';
import { calendarPushStatus } from '../../../service/push-status.js';
import { enqueuePushEnsures } from '../../../service/webdav-push/jobs.js';
import type { CalendarRecord } from '../../../store/types.js';
import { calendarListQuery, calendarSchema, patchCalendarBody } from '../../schemas/calendars.js';
import { commonErrors, idParams } from '../../schemas/common.js';
import { docs, notFound, type ApiDeps } from './context.js';

type CalendarPatch = Partial<Pick<CalendarRecord, 'enabled' | 'direction' | 'conflictRules' | 'pollIntervalS' | 'name'>>;

export function calendarRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { store } = deps;

  async function withSync(tenantId: string, calendar: CalendarRecord) {
    const state = await store.syncState.get(tenantId, calendar.id);
    const { lastSyncAt, lastSuccessAt, lastError } = state;
    return {
      ...calendar,
      sync: { ...(lastSyncAt ? { lastSyncAt } : {}), ...(lastSuccessAt ? { lastSuccessAt } : {}), ...(lastError ? { lastError } : {}) },
      push: calendarPushStatus(state, deps.clock.now()),
    };
  }

  app.get<{ Querystring: { integrationId?: string } }>(
    '/calendars',
    { schema: { ...docs('calendars', 'List calendars, optionally of one integration'), querystring: calendarListQuery, response: { 200: { type: 'array', items: calendarSchema }, ...commonErrors } } },
    async (req) => {
      const { integrationId } = req.query;
      if (integrationId !== undefined && !(await store.integrations.get(req.tenant.id, integrationId))) throw notFound('integration', integrationId);
      const calendars = await store.calendars.list(req.tenant.id, integrationId);
      return Promise.all(calendars.map((c) => withSync(req.tenant.id, c)));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/integrations/:id/calendars',
    { schema: { ...docs('calendars', "List an integration's calendars"), params: idParams, response: { 200: { type: 'array', items: calendarSchema }, ...commonErrors } } },
    async (req) => {
      if (!(await store.integrations.get(req.tenant.id, req.params.id))) throw notFound('integration', req.params.id);
      const calendars = await store.calendars.list(req.tenant.id, req.params.id);
      return Promise.all(calendars.map((c) => withSync(req.tenant.id, c)));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/calendars/:id',
    { schema: { ...docs('calendars', 'One calendar with its sync state'), params: idParams, response: { 200: calendarSchema, ...commonErrors } } },
    async (req) => {
      const calendar = await store.calendars.get(req.tenant.id, req.params.id);
      if (!calendar) throw notFound('calendar', req.params.id);
      return withSync(req.tenant.id, calendar);
    },
  );

  app.patch<{ Params: { id: string }; Body: CalendarPatch }>(
    '/calendars/:id',
    {
      schema: {
        ...docs('calendars', 'Enable/disable a calendar, set its direction, conflict rules or poll interval'),
        params: idParams,
        body: patchCalendarBody,
        response: { 200: calendarSchema, ...commonErrors },
      },
    },
    async (req) => {
      const before = await store.calendars.get(req.tenant.id, req.params.id);
      if (!before) throw notFound('calendar', req.params.id);
      const updated = await store.calendars.update(req.tenant.id, req.params.id, req.body);
      const integration = updated.enabled !== before.enabled && deps.queue ? await store.integrations.get(req.tenant.id, updated.integrationId) : undefined;
      if (integration && deps.queue) await enqueuePushEnsures(deps.queue, integration, [updated.id]);
      return withSync(req.tenant.id, updated);
    },
  );
}
