/** pino JSON logs; one logger per process, children carry a correlation id per job/request. */
import { pino, type Logger } from 'pino';
import { correlationFields } from './correlation.js';

export type { Logger };

export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { service: 'calsync' }, mixin: correlationFields, redact: ['*.password', '*.token', '*.secret', '*.clientState'] });
}
