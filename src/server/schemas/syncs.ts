/** Triggering syncs, dry-run plans and queue jobs. */
import { anyObject } from './common.js';

export const syncBody = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: {
    full: { type: 'boolean', default: false, description: 'List the whole calendar instead of the changes since the last sync' },
    dryRun: { type: 'boolean', default: false, description: 'Plan without writing anything and return the plan (runs inline)' },
  },
} as const;

export const syncReportSchema = {
  type: 'object',
  required: ['calendarId', 'dryRun', 'plan'],
  properties: {
    calendarId: { type: 'string' },
    dryRun: { type: 'boolean' },
    skipped: { type: 'string' },
    listing: { type: 'string' },
    plan: { type: 'array', items: { type: 'string' }, description: 'One line per planned action' },
    errors: { type: 'array', items: anyObject },
    problems: { type: 'array', items: anyObject },
    requests: { type: 'integer' },
    durationMs: { type: 'number' },
  },
  additionalProperties: true,
} as const;

export const enqueuedSchema = {
  type: 'object',
  required: ['jobId', 'calendarId', 'coalesced'],
  properties: {
    jobId: { type: 'string' },
    calendarId: { type: 'string' },
    coalesced: { type: 'boolean', description: 'Merged into a sync of this calendar that was already waiting' },
  },
} as const;

export const dryRunSchema = {
  type: 'object',
  required: ['dryRun', 'reports'],
  properties: { dryRun: { type: 'boolean', enum: [true] }, reports: { type: 'array', items: syncReportSchema } },
} as const;

export const enqueuedListSchema = {
  type: 'object',
  required: ['jobs'],
  properties: { jobs: { type: 'array', items: enqueuedSchema } },
} as const;

export const jobSchema = {
  type: 'object',
  required: ['id', 'type', 'state', 'priority', 'attemptsMade', 'maxAttempts', 'runAt', 'createdAt'],
  properties: {
    id: { type: 'string' },
    type: { type: 'string' },
    payload: anyObject,
    priority: { type: 'string', enum: ['high', 'medium', 'low'] },
    state: { type: 'string', enum: ['waiting', 'delayed', 'active', 'completed', 'dead'] },
    attemptsMade: { type: 'integer' },
    maxAttempts: { type: 'integer' },
    runAt: { type: 'string' },
    lastError: { type: 'string' },
    history: {
      type: 'array',
      items: { type: 'object', properties: { at: { type: 'string' }, error: { type: 'string' }, code: { type: 'string' } } },
    },
    createdAt: { type: 'string' },
  },
} as const;
