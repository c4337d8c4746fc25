/** The change feed's query and answer (`GET /api/v1/changes`). */
import { anyObject } from './common.js';

export const MAX_WAIT_S = 60;

export const changesQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    cursor: { type: 'string', minLength: 1, maxLength: 100, description: 'Where to continue: the `cursor` of the previous answer (or of the first `/events` page). Omit to start at the beginning of the history' },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
    wait: { type: 'integer', minimum: 0, maximum: MAX_WAIT_S, default: 0, description: 'Long poll: when there is no change yet, wait up to this many seconds; the answer comes as soon as one commits' },
  },
} as const;

export const changeSchema = {
  type: 'object',
  required: ['cursor', 'seq', 'type', 'eventId', 'version', 'source', 'auditId', 'at', 'event'],
  properties: {
    cursor: { type: 'string', description: 'The cursor just after this change' },
    seq: { type: 'integer', description: "The hub's commit order (per tenant, strictly increasing)" },
    type: { type: 'string', enum: ['event.created', 'event.updated', 'event.deleted', 'event.restored'] },
    eventId: { type: 'string' },
    externalId: { type: 'string' },
    version: { type: 'integer', description: "The event's version after the change" },
    source: {
      type: 'object',
      required: ['kind'],
      properties: { kind: { type: 'string', enum: ['calendar', 'api', 'cli', 'wedsync', 'restore', 'conflict'] }, calendarId: { type: 'string' } },
      description: 'Where the change came from: a connected calendar (its id), the API, the CLI, a restore or a conflict resolution',
    },
    auditId: { type: 'string', description: 'The history entry (GET /events/{id}/history)' },
    at: { type: 'string' },
    event: { ...anyObject, description: 'The event after the change (a deletion: its content when deleted)' },
  },
} as const;

export const changePageSchema = {
  type: 'object',
  required: ['changes', 'cursor', 'hasMore'],
  properties: {
    changes: { type: 'array', items: changeSchema },
    cursor: { type: 'string', description: 'Continue from here' },
    hasMore: { type: 'boolean', description: 'More changes are waiting: ask again at once' },
  },
} as const;
