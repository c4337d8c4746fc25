/**
 * Configuration from the environment, parsed and validated once at start-up (product.md, "CLI").
 * Every field is documented with its default here and in the README.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { CalsyncError } from './errors.js';
import { isLoopbackHost } from './net/address-guard.js';

export interface Config {
  /** `CALSYNC_DATA_DIR` — where the SQLite database and the generated secret key live. Default `./data`. */
  dataDir: string;
  /** `DATABASE_URL` — unset: SQLite in the data dir; `postgres://…` for PostgreSQL. */
  databaseUrl: string | undefined;
  /** `REDIS_URL` — unset: the embedded durable queue in the store; set: BullMQ on Redis. */
  redisUrl: string | undefined;
  /** `CALSYNC_REDIS_PREFIX` — namespace of calsync's Redis keys and channels (queue, live status). Default `calsync`. */
  redisPrefix: string;
  /** `CALSYNC_SECRET_KEY` — 32 bytes (base64 or hex); unset: generated once into the data dir (0600). */
  secretKey: string | undefined;
  /** `PORT` — HTTP port of `calsync serve`. Default 3000. */
  port: number;
  /** `HOST` — bind address. Default 127.0.0.1 (put a TLS proxy in front for the internet). */
  host: string;
  /** `LOG_LEVEL` — pino level. Default `info`. */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** `CALSYNC_ALLOW_PRIVATE_URLS=1` — allow CalDAV servers on loopback/private addresses. */
  allowPrivateUrls: boolean;
  /**
   * `CALSYNC_PUBLIC_URL` — the public HTTPS URL Microsoft Graph posts change notifications to, and CalDAV
   * servers post WebDAV-Push messages to (http only on a loopback host, for the emulator and tests).
   * Unset (the default): no Graph subscriptions and no WebDAV-Push registrations are made; Outlook
   * calendars are kept in sync by reconciliation polling alone, CalDAV calendars by their normal polling.
   */
  publicUrl: string | undefined;
  /**
   * `CALSYNC_METRICS_PORT` — serve `/metrics` (with `/healthz`, `/readyz`) on this separate port, bound to
   * `CALSYNC_METRICS_HOST`. Unset: no separate listener. `/metrics` is never open on the main port.
   */
  metricsPort: number | undefined;
  /** `CALSYNC_METRICS_HOST` — bind address of the metrics listener. Default 127.0.0.1 (loopback only). */
  metricsHost: string;
  /**
   * `CALSYNC_METRICS_TOKEN` — when set (at least 16 characters), `/metrics` is also served on the main
   * port and on the metrics listener, to `Authorization: Bearer <token>` only. Unset: the main port has
   * no `/metrics`, and the separate listener answers without a token.
   */
  metricsToken: string | undefined;
  /** `CALSYNC_TRUST_PROXY=1` — trust `X-Forwarded-*` from the TLS proxy in front (client IP for rate limits, https for HSTS and Secure cookies). */
  trustProxy: boolean;
}

/** Why `url` cannot be the notification URL Graph posts to, or undefined when it can: https, or http on loopback. */
export function publicUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be a URL';
  }
  if (parsed.protocol === 'https:') return undefined;
  // Plain http only on a loopback host (the Graph emulator on this machine).
  if (parsed.protocol === 'http:' && isLoopbackHost(parsed.hostname)) return undefined;
  return 'must be https:// (Microsoft Graph only notifies HTTPS endpoints; http:// is accepted on a loopback host only)';
}

const schema = z.object({
  CALSYNC_DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^(postgres(ql)?:\/\/|sqlite:)/, 'must start with postgres:// or sqlite:')
    .optional(),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').optional(),
  CALSYNC_REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only').default('calsync'),
  CALSYNC_SECRET_KEY: z.string().min(1).optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CALSYNC_ALLOW_PRIVATE_URLS: z.enum(['0', '1', 'true', 'false']).optional(),
  CALSYNC_PUBLIC_URL: z
    .string()
    .url()
    .superRefine((url, ctx) => {
      const problem = publicUrlProblem(url);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  CALSYNC_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  CALSYNC_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  CALSYNC_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').max(512).optional(),
  CALSYNC_TRUST_PROXY: z.enum(['0', '1', 'true', 'false']).optional(),
});

/** Parses the environment; empty strings count as unset. Throws a CONFIG error naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = issue?.path.join('.') ?? 'environment';
    throw new CalsyncError('CONFIG', `invalid ${name}: ${issue?.message ?? 'bad value'}`, { details: { variable: name } });
  }
  const e = parsed.data;
  return {
    dataDir: resolve(e.CALSYNC_DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.CALSYNC_REDIS_PREFIX,
    secretKey: e.CALSYNC_SECRET_KEY,
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    allowPrivateUrls: e.CALSYNC_ALLOW_PRIVATE_URLS === '1' || e.CALSYNC_ALLOW_PRIVATE_URLS === 'true',
    publicUrl: e.CALSYNC_PUBLIC_URL,
    metricsPort: e.CALSYNC_METRICS_PORT,
    metricsHost: e.CALSYNC_METRICS_HOST,
    metricsToken: e.CALSYNC_METRICS_TOKEN,
    trustProxy: e.CALSYNC_TRUST_PROXY === '1' || e.CALSYNC_TRUST_PROXY === 'true',
  };
}
