/** Calendars of an integration and the settings the API may change. */
import { conflictRulesSchema, directionSchema } from './common.js';

export const calendarSchema = {
  type: 'object',
  required: ['id', 'integrationId', 'remoteId', 'name', 'enabled', 'direction', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string' },
    integrationId: { type: 'string' },
    remoteId: { type: 'string' },
    name: { type: 'string' },
    color: { type: 'string' },
    enabled: { type: 'boolean' },
    direction: directionSchema,
    conflictRules: conflictRulesSchema,
    pollIntervalS: { type: 'integer' },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
    sync: {
      type: 'object',
      properties: { lastSyncAt: { type: 'string' }, lastSuccessAt: { type: 'string' }, lastError: { type: 'string' } },
    },
    push: {
      type: 'object',
      description: 'whether changes arrive by push now (else the calendar is polled)',
      required: ['active'],
      properties: {
        active: { type: 'boolean' },
        via: { type: 'string', enum: ['graph', 'webdav-push'] },
        expiresAt: { type: 'string', description: 'when the subscription / registration lapses unless renewed' },
        note: { type: 'string', description: 'why there is no push, when known' },
      },
    },
  },
} as const;

export const patchCalendarBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    enabled: { type: 'boolean' },
    direction: directionSchema,
    conflictRules: { ...conflictRulesSchema, description: "Overrides the integration's rules; {} clears the override" },
    pollIntervalS: { type: 'integer', minimum: 30, maximum: 86_400 },
    name: { type: 'string', minLength: 1, maxLength: 200 },
  },
} as const;

export const calendarListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { integrationId: { type: 'string', minLength: 1, maxLength: 200 } },
} as const;
