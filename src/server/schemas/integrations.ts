/** Integrations: connected calendar accounts, their health, and the bodies that connect them. */
import { anyObject, conflictRulesSchema } from './common.js';

export const integrationSchema = {
  type: 'object',
  required: ['id', 'provider', 'name', 'status', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string' },
    provider: { type: 'string', enum: ['caldav', 'icloud', 'outlook', 'memory'] },
    name: { type: 'string' },
    /** Non-secret settings only: credentials never leave the store through the API. */
    config: anyObject,
    status: { type: 'string', enum: ['active', 'needs_reauth', 'flagged', 'disabled'] },
    statusReason: { type: 'string' },
    conflictRules: conflictRulesSchema,
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
} as const;

export const healthSchema = {
  type: 'object',
  required: ['healthy', 'reasons', 'calendars', 'enabledCalendars', 'openConflicts', 'deadLetters'],
  properties: {
    healthy: { type: 'boolean', description: 'No reasons to worry (see `reasons`)' },
    reasons: { type: 'array', items: { type: 'string' }, description: 'Why it is not healthy, one sentence each' },
    calendars: { type: 'integer' },
    enabledCalendars: { type: 'integer' },
    lastSyncAt: { type: ['string', 'null'] },
    lastSuccessAt: { type: ['string', 'null'], description: 'latest successful sync of any calendar' },
    lagS: { type: ['integer', 'null'], description: 'seconds since the oldest enabled calendar last synced successfully' },
    lastError: { type: ['string', 'null'] },
    openConflicts: { type: 'integer' },
    deadLetters: { type: 'integer', description: 'dead sync jobs of its calendars' },
    circuit: { type: ['string', 'null'], description: 'circuit breaker state, when the provider has one' },
    subscriptionExpiresAt: { type: ['string', 'null'], description: 'earliest Graph subscription expiry (Outlook)' },
    pushOff: { type: ['string', 'null'], description: 'why change notifications are off for some calendar (Outlook: no CALSYNC_PUBLIC_URL, or no live subscription yet); polling still syncs' },
    pushCalendars: { type: 'integer', description: 'enabled calendars whose changes arrive by push now (Graph subscription or WebDAV-Push registration); the others are polled' },
    tokenExpiresAt: { type: ['string', 'null'], description: 'access token expiry (Outlook)' },
    canRefreshToken: { type: ['boolean', 'null'], description: 'whether a refresh token can renew it (Outlook)' },
    requestBudget: {
      type: ['object', 'null'],
      description: "the mailbox's request budget in the current window (Outlook: 10,000 per 10 minutes); `near` from 80 %",
      properties: { used: { type: 'integer' }, limit: { type: 'integer' }, resetsAt: { type: 'string' }, near: { type: 'boolean' } },
    },
  },
} as const;

export const integrationWithHealthSchema = {
  type: 'object',
  required: [...integrationSchema.required, 'health'],
  properties: { ...integrationSchema.properties, health: healthSchema },
} as const;

const nameSchema = { type: 'string', minLength: 1, maxLength: 200 } as const;
const usernameSchema = { type: 'string', minLength: 1, maxLength: 320 } as const;
const passwordSchema = { type: 'string', minLength: 1, maxLength: 1000, description: 'App-specific password; stored encrypted, never returned' } as const;

export const connectCalDavBody = {
  type: 'object',
  required: ['url', 'username', 'password'],
  additionalProperties: false,
  properties: { url: { type: 'string', minLength: 1, maxLength: 2000, description: 'https URL of the CalDAV server' }, username: usernameSchema, password: passwordSchema, name: nameSchema },
} as const;

export const connectICloudBody = {
  type: 'object',
  required: ['username', 'password'],
  additionalProperties: false,
  properties: { username: { ...usernameSchema, description: 'Apple ID' }, password: passwordSchema, name: nameSchema },
} as const;

export const patchIntegrationBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { name: nameSchema, conflictRules: conflictRulesSchema },
} as const;
