/**
 * Syncs: trigger a calendar's (or every enabled calendar of an integration's) sync through the queue,
 * or preview it — a dry run plans against the live calendar without writing anything and returns the
 * plan, which is how a first sync is checked before it is let loose. Jobs can be looked up by id.
 */
import type { FastifyInstance } from 'fastify';
import type { Job } from '../../../queue/types.js';
import { enqueueCalendarSync, runCalendarSync } from '../../../service/sync-jobs.js';
import type { CalendarRecord } from '../../../store/types.js';
import { commonErrors, idParams } from '../../schemas/common.js';
import { dryRunSchema, enqueuedListSchema, enqueuedSchema, jobSchema, syncBody } from '../../schemas/syncs.js';
import { docs, notFound, requireQueue, type ApiDeps } from './context.js';

type SyncBody = { full?: boolean; dryRun?: boolean } | null | undefined;

export function presentJob(job: Job) {
  const { tenantId: _tenant, ...rest } = job;
  return rest;
}

export function syncRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { store } = deps;

  async function dryRun(tenantId: string, calendars: CalendarRecord[], full: boolean) {
    const reports = [];
    for (const calendar of calendars) {
      reports.push(
        await runCalendarSync(
          { store, providers: deps.providers, clock: deps.clock, ...(deps.logger ? { logger: deps.logger } : {}), ...(deps.onSyncStatus ? { onStatus: deps.onSyncStatus } : {}) },
          tenantId,
          { calendarId: calendar.id, reason: 'api dry run', ...(full ? { full } : {}) },
          { dryRun: true },
        ),
      );
    }
    return { dryRun: true as const, reports };
  }

  async function enqueue(tenantId: string, calendar: CalendarRecord, full: boolean) {
    // Someone is waiting for this sync: run it at once, ahead of debounced background work.
    const job = await enqueueCalendarSync(requireQueue(deps), tenantId, calendar.id, { priority: 'high', reason: 'api', full, delayMs: 0 });
    return { jobId: job.id, calendarId: calendar.id, coalesced: job.coalesced };
  }

  app.post<{ Params: { id: string }; Body: SyncBody }>(
    '/calendars/:id/sync',
    {
      schema: {
        ...docs('syncs', 'Sync a calendar now (202 with the job), or preview the sync with dryRun (200 with the plan)'),
        params: idParams,
        body: syncBody,
        response: { 200: dryRunSchema, 202: enqueuedSchema, ...commonErrors },
      },
    },
    async (req, reply) => {
      const calendar = await store.calendars.get(req.tenant.id, req.params.id);
      if (!calendar) throw notFound('calendar', req.params.id);
      const full = req.body?.full === true;
      if (req.body?.dryRun === true) return dryRun(req.tenant.id, [calendar], full);
      return reply.code(202).send(await enqueue(req.tenant.id, calendar, full));
    },
  );

  app.post<{ Params: { id: string }; Body: SyncBody }>(
    '/integrations/:id/sync',
    {
      schema: {
        ...docs('syncs', 'Sync every enabled calendar of an integration (202), or preview them with dryRun (200)'),
        params: idParams,
        body: syncBody,
        response: { 200: dryRunSchema, 202: enqueuedListSchema, ...commonErrors },
      },
    },
    async (req, reply) => {
      if (!(await store.integrations.get(req.tenant.id, req.params.id))) throw notFound('integration', req.params.id);
      const calendars = (await store.calendars.list(req.tenant.id, req.params.id)).filter((c) => c.enabled);
      const full = req.body?.full === true;
      if (req.body?.dryRun === true) return dryRun(req.tenant.id, calendars, full);
      const jobs = [];
      for (const calendar of calendars) jobs.push(await enqueue(req.tenant.id, calendar, full));
      return reply.code(202).send({ jobs });
    },
  );

  app.get<{ Params: { id: string } }>(
    '/jobs/:id',
    { schema: { ...docs('syncs', 'A queue job: state, attempts, last error'), params: idParams, response: { 200: jobSchema, ...commonErrors } } },
    async (req) => {
      const job = await requireQueue(deps).get(req.params.id);
      // The queue is shared by all tenants: another tenant's job is "not found".
      if (!job || job.tenantId !== req.tenant.id) throw notFound('job', req.params.id);
      return presentJob(job);
    },
  );
}
