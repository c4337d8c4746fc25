/** The conflict inbox: base and both versions, the fields in conflict, and how to resolve them. */
import { anyObject } from './common.js';

const side = { type: 'string', enum: ['wedsync', 'provider'] } as const;

export const conflictSchema = {
  type: 'object',
  required: ['id', 'calendarId', 'hubEventId', 'type', 'fields', 'status', 'createdAt'],
  properties: {
    id: { type: 'string' },
    calendarId: { type: 'string' },
    hubEventId: { type: 'string' },
    type: { type: 'string', enum: ['field', 'edit_delete', 'delete_edit', 'wedding_critical'] },
    fields: { type: 'array', items: { type: 'string' }, description: 'Model fields in conflict (start, location, …)' },
    base: { ...anyObject, description: 'The event as both sides last agreed on it' },
    hub: { ...anyObject, description: 'The WedSync version (absent when deleted there)' },
    remote: { ...anyObject, description: "The calendar's version (absent when deleted there)" },
    status: { type: 'string', enum: ['open', 'resolved'] },
    resolution: {
      type: 'object',
      properties: { take: { type: 'string' }, fields: { type: 'object', additionalProperties: side }, by: { type: 'string' } },
    },
    createdAt: { type: 'string' },
    resolvedAt: { type: 'string' },
  },
} as const;

export const conflictListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ['open', 'resolved'] },
    calendarId: { type: 'string', minLength: 1, maxLength: 200 },
    hubEventId: { type: 'string', minLength: 1, maxLength: 200 },
  },
} as const;

/**
 * Either `{take}` or `{fields}`: one object schema rather than `oneOf`, because ajv's removeAdditional
 * (Fastify's default) strips the other branch's property while trying the first. The route checks that
 * exactly one is given.
 */
export const resolveBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  maxProperties: 1,
  properties: {
    take: { type: 'string', enum: ['wedsync', 'provider', 'merge'], description: 'Take one side, or merge non-overlapping changes' },
    fields: {
      type: 'object',
      minProperties: 1,
      maxProperties: 50,
      propertyNames: { pattern: '^[A-Za-z][A-Za-z0-9_.]{0,63}$' },
      additionalProperties: side,
      description: 'Per field, which side wins, e.g. {"start":"provider","location":"wedsync"}',
    },
  },
} as const;
