/** Dead letters: jobs that used up their attempts, with the last error. */
import { jobSchema } from './syncs.js';

export const deadLetterListSchema = { type: 'array', items: jobSchema } as const;

export const replayedSchema = {
  type: 'object',
  required: ['replayed'],
  properties: { replayed: { type: 'boolean', enum: [true] } },
} as const;
