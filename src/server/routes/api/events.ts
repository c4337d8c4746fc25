/**
 * Hub events: list (keyset pages; the first page carries the change feed's cursor), get (with its sync
 * state per calendar), create (or upsert by WedSync's `externalId`), update (optimistic: `expectedVersion`
 * or `If-Match`), delete (a tombstone), history and restore. Writes take an `Idempotency-Key`. Every
 * write reaches every enabled calendar that takes hub changes through the outbox, with the change's
 * urgency (wedding-critical and emergency changes jump the queue).
 */
import type { FastifyInstance } from 'fastify';
import { CalsyncError, ValidationError } from '../../../errors.js';
import type { HubEvent } from '../../../model/event.js';
import { priorityOf } from '../../../model/priority.js';
import { currentCursor } from '../../../service/changes/feed.js';
import { eventSyncState } from '../../../service/event-sync-state.js';
import { createHubEvent, deleteHubEvent, restoreHubEvent, updateHubEvent } from '../../../service/hub-events.js';
import type { Store } from '../../../store/types.js';
import { commonErrors, errorSchema, idParams } from '../../schemas/common.js';
import {
  auditEntrySchema,
  createEventBody,
  eventListQuery,
  eventListSchema,
  eventWithSyncSchema,
  externalIdParams,
  getEventQuery,
  hubEventSchema,
  patchEventBody,
  restoreBody,
} from '../../schemas/events.js';
import { docs, notFound, type ApiDeps } from './context.js';
import { idempotencyHeader, idempotent } from './idempotency.js';

const conflict409 = { 409: { description: 'The event changed since the version you read (code STORE_CONFLICT)', ...errorSchema } } as const;

const reused422 = { 422: { description: 'The Idempotency-Key was used for a different request (code IDEMPOTENCY_KEY_REUSED)', ...errorSchema } } as const;
const writeHeaders = { type: 'object', properties: idempotencyHeader } as const;

function present(e: HubEvent, externalId?: string) {
  return { ...e, priority: priorityOf(e.event), ...(externalId === undefined ? {} : { externalId }) };
}

async function presentOne(store: Store, tenantId: string, e: HubEvent) {
  return present(e, (await store.externalIds.of(tenantId, [e.id])).get(e.id));
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
      // Taken before the first page is read: following the feed from it misses nothing the listing missed.
      const cursor = after === undefined ? await currentCursor(store, req.tenant.id) : undefined;
      const rows = await store.events.list(req.tenant.id, { limit: limit + 1, includeDeleted, ...(after === undefined ? {} : { after }) });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      const external = await store.externalIds.of(req.tenant.id, page.map((e) => e.id));
      return { items: page.map((e) => present(e, external.get(e.id))), ...(rows.length > limit && last ? { next: last.id } : {}), ...(cursor === undefined ? {} : { cursor }) };
    },
  );

  app.get<{ Params: { id: string }; Querystring: { includeDeleted: boolean } }>(
    '/events/:id',
    { schema: { ...docs('events', 'One hub event, with its sync state in every calendar'), params: idParams, querystring: getEventQuery, response: { 200: eventWithSyncSchema, ...commonErrors } } },
    async (req) => {
      const event = await store.events.get(req.tenant.id, req.params.id, { includeDeleted: req.query.includeDeleted });
      if (!event) throw notFound('event', req.params.id);
      return { ...(await presentOne(store, req.tenant.id, event)), sync: await eventSyncState(store, req.tenant.id, event) };
    },
  );

  app.get<{ Params: { externalId: string } }>(
    '/events/external/:externalId',
    { schema: { ...docs('events', "The hub event carrying WedSync's id `externalId`"), params: externalIdParams, response: { 200: hubEventSchema, ...commonErrors } } },
    async (req) => {
      const id = await store.externalIds.find(req.tenant.id, req.params.externalId);
      const event = id === undefined ? undefined : await store.events.get(req.tenant.id, id, { includeDeleted: true });
      if (!event) throw notFound('event with externalId', req.params.externalId);
      return present(event, req.params.externalId);
    },
  );

  app.post<{ Body: Record<string, unknown> & { externalId?: string } }>(
    '/events',
    {
      schema: {
        ...docs('events', 'Create a hub event (or, with an `externalId` already known, update that event: an upsert); pushed to every enabled calendar'),
        headers: writeHeaders,
        body: createEventBody,
        response: { 200: { description: 'Updated: an event with this externalId existed', ...hubEventSchema }, 201: hubEventSchema, ...commonErrors, ...conflict409, ...reused422 },
      },
    },
    async (req, reply) =>
      idempotent(store, req, reply, async () => {
        const { externalId, ...fields } = req.body;
        const tenantId = req.tenant.id;
        const existingId = externalId === undefined ? undefined : await store.externalIds.find(tenantId, externalId);
        const existing = existingId === undefined ? undefined : await store.events.get(tenantId, existingId, { includeDeleted: true });
        if (existing && externalId !== undefined) {
          // The upsert's update: a deleted event comes back (WedSync still has it), then takes the fields.
          return store.transaction(async () => {
            const live = existing.deletedAt === undefined ? existing : await restoreHubEvent(writeDeps, tenantId, existing.id);
            return { status: 200, body: present(await updateHubEvent(writeDeps, tenantId, live.id, fields, 'api', live.version), externalId) };
          });
        }
        return store.transaction(async () => {
          const created = await createHubEvent(writeDeps, tenantId, fields, 'api');
          if (externalId !== undefined) await store.externalIds.assign(tenantId, created.id, externalId);
          return { status: 201, body: present(created, externalId) };
        });
      }),
  );

  app.patch<{ Params: { id: string }; Body: Record<string, unknown> & { expectedVersion?: number; externalId?: string } }>(
    '/events/:id',
    {
      schema: {
        ...docs('events', 'Update the given fields; 409 when the event moved past the version you read'),
        params: idParams,
        headers: { type: 'object', properties: { 'if-match': { type: 'string', maxLength: 40 }, ...idempotencyHeader } },
        body: patchEventBody,
        response: { 200: hubEventSchema, ...commonErrors, ...conflict409, ...reused422 },
      },
    },
    async (req, reply) => idempotent(store, req, reply, async () => {
      const { expectedVersion: inBody, externalId, ...fields } = req.body;
      const fromHeader = versionFromIfMatch(req.headers['if-match']);
      if (inBody !== undefined && fromHeader !== undefined && inBody !== fromHeader) throw new ValidationError('expectedVersion and If-Match disagree');
      const expected = inBody ?? fromHeader;
      if (Object.keys(fields).length === 0 && externalId === undefined) throw new ValidationError('nothing to update: name at least one event field');
      const current = await store.events.get(req.tenant.id, req.params.id);
      if (!current) throw notFound('event', req.params.id);
      if (expected !== undefined && expected !== current.version) {
        throw new CalsyncError('STORE_CONFLICT', `event ${req.params.id} is at version ${current.version}, not ${expected}; read it again`, { details: { version: current.version } });
      }
      return store.transaction(async () => {
        if (externalId !== undefined) await store.externalIds.assign(req.tenant.id, current.id, externalId);
        const updated = Object.keys(fields).length === 0 ? current : await updateHubEvent(writeDeps, req.tenant.id, req.params.id, fields, 'api', expected ?? current.version);
        return { status: 200, body: await presentOne(store, req.tenant.id, updated) };
      });
    }),
  );

  app.delete<{ Params: { id: string } }>(
    '/events/:id',
    {
      schema: {
        ...docs('events', 'Delete (tombstone) a hub event; the deletion is pushed to the calendars'),
        headers: writeHeaders,
        params: idParams,
        response: { 200: hubEventSchema, ...commonErrors, ...reused422 },
      },
    },
    async (req, reply) =>
      idempotent(store, req, reply, async () => {
        if (!(await store.events.get(req.tenant.id, req.params.id))) throw notFound('event', req.params.id);
        return { status: 200, body: await presentOne(store, req.tenant.id, await deleteHubEvent(writeDeps, req.tenant.id, req.params.id, 'api')) };
      }),
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
      return presentOne(store, req.tenant.id, await restoreHubEvent(writeDeps, req.tenant.id, req.params.id, auditId === undefined ? {} : { auditId }));
    },
  );
}
