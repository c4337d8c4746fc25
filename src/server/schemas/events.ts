/**
 * Hub events. The input schema is generated from the service's zod schema, so the API documents exactly
 * what `createHubEvent`/`updateHubEvent` accept (the service validates again: time values must exist).
 */
import { z } from 'zod';
import { hubEventInputSchema } from '../../service/hub-events.js';
import { anyObject } from './common.js';

function fromZod(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { target: 'draft-7', io: 'input' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

const input = fromZod(hubEventInputSchema) as { properties: Record<string, Record<string, unknown>>; required: string[] };
const timeDescription = '`YYYY-MM-DD` (all-day), `YYYY-MM-DDTHH:mm[:ss]` (local, with timeZone) or a UTC instant `…Z`';
const properties = {
  ...input.properties,
  start: { ...input.properties.start, maxLength: 40, description: timeDescription },
  end: { ...input.properties.end, maxLength: 40, description: `${timeDescription}; exclusive` },
  emergency: { type: 'boolean', description: 'WedSync flags the change as an emergency: its syncs jump the queue' },
};

const externalId = { type: 'string', minLength: 1, maxLength: 200, description: "WedSync's own id of the event, unique per tenant: POST with a known one updates that event (an upsert)" } as const;

export const createEventBody = { type: 'object', additionalProperties: false, required: input.required, properties: { ...properties, externalId } } as const;

export const externalIdParams = { type: 'object', required: ['externalId'], properties: { externalId } } as const;

export const patchEventBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    ...properties,
    externalId,
    expectedVersion: { type: 'integer', minimum: 1, description: 'The version the client read (or send `If-Match: "<version>"`); a mismatch answers 409' },
  },
} as const;

export const hubEventSchema = {
  type: 'object',
  required: ['id', 'version', 'seq', 'event', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string' },
    externalId: { type: 'string', description: "WedSync's own id of the event, when it has one" },
    version: { type: 'integer' },
    seq: { type: 'integer' },
    priority: { type: 'string', enum: ['high', 'medium', 'low'] },
    deletedAt: { type: 'string' },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
    event: { ...anyObject, description: 'The normalized event (title, start, end, wedding {kind, weddingId, weddingDate, emergency}, …)' },
  },
} as const;

export const eventListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
    after: { type: 'string', maxLength: 200, description: 'The `next` cursor of the previous page' },
    includeDeleted: { type: 'boolean', default: false },
  },
} as const;

export const eventListSchema = {
  type: 'object',
  required: ['items'],
  properties: {
    items: { type: 'array', items: hubEventSchema },
    next: { type: 'string', description: 'Pass as `after` for the next page' },
    cursor: { type: 'string', description: 'First page only: the change-feed cursor taken before the listing; follow GET /changes from it to miss nothing' },
  },
} as const;

export const calendarSyncStateSchema = {
  type: 'object',
  required: ['calendarId', 'calendarName', 'integrationId', 'status'],
  properties: {
    calendarId: { type: 'string' },
    calendarName: { type: 'string' },
    integrationId: { type: 'string' },
    status: { type: 'string', enum: ['synced', 'pending', 'conflict', 'failed'], description: 'synced: the calendar has the current version; pending: it is on its way; conflict: an open conflict holds it; failed: the calendar\'s last sync failed (see reason)' },
    remoteId: { type: 'string' },
    conflictId: { type: 'string' },
    conflictFields: { type: 'array', items: { type: 'string' } },
    reason: { type: 'string' },
    lastSyncedAt: { type: 'string' },
  },
} as const;

export const eventWithSyncSchema = {
  ...hubEventSchema,
  required: [...hubEventSchema.required, 'sync'],
  properties: { ...hubEventSchema.properties, sync: { type: 'array', items: calendarSyncStateSchema, description: 'Per calendar the event belongs in' } },
} as const;

export const getEventQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { includeDeleted: { type: 'boolean', default: false } },
} as const;

export const auditEntrySchema = {
  type: 'object',
  required: ['id', 'hubEventId', 'source', 'action', 'at'],
  properties: {
    id: { type: 'string' },
    hubEventId: { type: 'string' },
    source: { type: 'string' },
    action: { type: 'string', enum: ['create', 'update', 'delete', 'restore'] },
    before: anyObject,
    after: anyObject,
    at: { type: 'string' },
  },
} as const;

export const restoreBody = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: { auditId: { type: 'string', minLength: 1, maxLength: 200, description: "Roll back to this history entry's `after`; omit to undelete" } },
} as const;
