/**
 * Hub events: list (keyset pages), get, create, update (optimistic: `expectedVersion` or `If-Match`),
 * delete (a tombstone), history and restore. Every write reaches every enabled calendar that takes hub
 * changes through the outbox, with the change's urgency (wedding-critical and emergency changes jump the queue).
 */
import type { FastifyInstance } from 'fastify';
import { CalsyncError, ValidationError } from '../../../errors.js';
import type { HubEvent } from '../../../model/event.js';
import { priorityOf } from '../../../model/priority.js';
import { createHubEvent, deleteHubEvent, restoreHubEvent, updateHubEvent } from '../../../service/hub-events.js';
import { commonErrors, errorSchema, idParams } from '../../schemas/common.js';
import { auditEntrySchema, createEventBody, eventListQuery, eventListSchema, getEventQuery, hubEventSchema, patchEventBody, restoreBody } from '../../schemas/events.js';
import { docs, notFound, type ApiDeps } from './context.js';

const conflict409 = { 409: { description: 'The event changed since the version you read (code STORE_CONFLICT)', ...errorSchema } } as const;

function present(e: HubEvent) {
  return { ...e, priority: priorityOf(e.event) };
}

/** `If-Match: "3"`, `W/"3"` or `3` → 3. */
function versionFromIfMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(header);
  if (!match?.[1]) throw new ValidationError('If-Match must be the event version, e.g. If-Match: "3"');
  return Number(match[1]);
}

export function eventRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { store } = deps;
  const writeDeps = { store, clock: deps.clock };

  app.get<{ Querystring: { limit: number; after?: string; includeDeleted: boolean } }>(
    '/events',
    { schema: { ...docs('events', 'List hub events, a page at a time'), querystring: eventListQuery, response: { 200: eventListSchema, ...commonErrors } } },
    async (req) => {
      const { limit, after, includeDeleted } = req.query;
      const rows = await store.events.list(req.tenant.id, { limit: limit + 1, includeDeleted, ...(after === undefined ? {} : { after }) });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return { items: page.map(present), ...(rows.length > limit && last ? { next: last.id } : {}) };
    },
  );

  app.get<{ Params: { id: string }; Querystring: { includeDeleted: boolean } }>(
    '/events/:id',
    { schema: { ...docs('events', 'One hub event'), params: idParams, querystring: getEventQuery, response: { 200: hubEventSchema, ...commonErrors } } },
    async (req) => {
      const event = await store.events.get(req.tenant.id, req.params.id, { includeDeleted: req.query.includeDeleted });
      if (!event) throw notFound('event', req.params.id);
      return present(event);
    },
  );

  app.post<{ Body: Record<string, unknown> }>(
    '/events',
    { schema: { ...docs('events', 'Create a hub event; it is pushed to every enabled calendar'), body: createEventBody, response: { 201: hubEventSchema, ...commonErrors } } },
    async (req, reply) => reply.code(201).send(present(await createHubEvent(writeDeps, req.tenant.id, req.body, 'api'))),
  );

  app.patch<{ Params: { id: string }; Body: Record<string, unknown> & { expectedVersion?: number } }>(
    '/events/:id',
    {
      schema: {
        ...docs('events', 'Update the given fields; 409 when the event moved past the version you read'),
        params: idParams,
        headers: { type: 'object', properties: { 'if-match': { type: 'string', maxLength: 40 } } },
        body: patchEventBody,
        response: { 200: hubEventSchema, ...commonErrors, ...conflict409 },
      },
    },
    async (req) => {
      const { expectedVersion: inBody, ...fields } = req.body;
      const fromHeader = versionFromIfMatch(req.headers['if-match']);
      if (inBody !== undefined && fromHeader !== undefined && inBody !== fromHeader) throw new ValidationError('expectedVersion and If-Match disagree');
      const expected = inBody ?? fromHeader;
      if (Object.keys(fields).length === 0) throw new ValidationError('nothing to update: name at least one event field');
      const current = await store.events.get(req.tenant.id, req.params.id);
      if (!current) throw notFound('event', req.params.id);
      if (expected !== undefined && expected !== current.version) {
        throw new CalsyncError('STORE_CONFLICT', `event ${req.params.id} is at version ${current.version}, not ${expected}; read it again`, { details: { version: current.version } });
      }
      return present(await updateHubEvent(writeDeps, req.tenant.id, req.params.id, fields, 'api', expected ?? current.version));
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/events/:id',
    { schema: { ...docs('events', 'Delete (tombstone) a hub event; the deletion is pushed to the calendars'), params: idParams, response: { 200: hubEventSchema, ...commonErrors } } },
    async (req) => {
      if (!(await store.events.get(req.tenant.id, req.params.id))) throw notFound('event', req.params.id);
      return present(await deleteHubEvent(writeDeps, req.tenant.id, req.params.id, 'api'));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/events/:id/history',
    { schema: { ...docs('events', "An event's change history, oldest first"), params: idParams, response: { 200: { type: 'array', items: auditEntrySchema }, ...commonErrors } } },
    async (req) => {
      if (!(await store.events.get(req.tenant.id, req.params.id, { includeDeleted: true }))) throw notFound('event', req.params.id);
      return store.events.history(req.tenant.id, req.params.id);
    },
  );

  app.post<{ Params: { id: string }; Body: { auditId?: string } | null | undefined }>(
    '/events/:id/restore',
    {
      schema: {
        ...docs('events', 'Undelete an event, or roll it back to a history entry; pushed to the calendars'),
        params: idParams,
        body: restoreBody,
        response: { 200: hubEventSchema, ...commonErrors },
      },
    },
    async (req) => {
      const auditId = req.body?.auditId;
      return present(await restoreHubEvent(writeDeps, req.tenant.id, req.params.id, auditId === undefined ? {} : { auditId }));
    },
  );
}
