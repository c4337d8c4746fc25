/**
 * JSON Schemas shared by the API routes. Fastify validates requests with them (ajv) and serializes
 * responses with them (fast-json-stringify), and @fastify/swagger turns them into the OpenAPI document,
 * so every body, parameter and response code is declared here or next to it.
 *
 * Response schemas of stored objects list the fields clients rely on and keep `additionalProperties`
 * open: fast-json-stringify drops undeclared properties, and the event model carries more than we list.
 */

/** `{error:{code,message}}`, the one error shape at the HTTP edge (see `app.ts`). */
export const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' } },
    },
  },
} as const;

/** Error responses every authenticated route can give. */
export const commonErrors = {
  400: { description: 'Malformed request (code VALIDATION, or FST_ERR_CTP_* for unreadable JSON)', ...errorSchema },
  401: { description: 'Missing or invalid API key (code UNAUTHORIZED)', ...errorSchema },
  404: { description: 'Not found in this tenant (code NOT_FOUND / STORE_NOT_FOUND)', ...errorSchema },
  413: { description: 'Request body too large (code PAYLOAD_TOO_LARGE)', ...errorSchema },
  500: { description: 'Internal error', ...errorSchema },
} as const;

export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 200 } },
} as const;

/** Open object: any JSON object (events, conflict rules, provider settings). */
export const anyObject = { type: 'object', additionalProperties: true } as const;

export const conflictRuleSchema = { type: 'string', enum: ['provider_wins', 'wedsync_wins', 'newest_wins', 'merge', 'manual'] } as const;
const conflictTypes = ['field', 'edit_delete', 'delete_edit', 'wedding_critical'] as const;

export const conflictRulesSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    default: conflictRuleSchema,
    byType: {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(conflictTypes.map((t) => [t, conflictRuleSchema])),
    },
    weddingCritical: {
      type: 'object',
      description: 'Rules allowed to resolve wedding-critical conflicts automatically, keyed `<conflictType>:<field>`',
      propertyNames: { pattern: '^(field|edit_delete|delete_edit|wedding_critical):[A-Za-z*]+$' },
      additionalProperties: conflictRuleSchema,
    },
  },
} as const;

export const directionSchema = { type: 'string', enum: ['two_way', 'import_only', 'export_only'] } as const;

export const noContent = { description: 'Done, no body', type: 'null' } as const;
