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

export const createEventBody = { type: 'object', additionalProperties: false, required: input.required, properties } as const;

export const patchEventBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    ...properties,
    expectedVersion: { type: 'integer', minimum: 1, description: 'The version the client read (or send `If-Match: "<version>"`); a mismatch answers 409' },
  },
} as const;

export const hubEventSchema = {
  type: 'object',
  required: ['id', 'version', 'seq', 'event', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string' },
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
  properties: { items: { type: 'array', items: hubEventSchema }, next: { type: 'string', description: 'Pass as `after` for the next page' } },
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
