/** What every route of the emulator shares, and the per-request helpers built on it. */
import type { FastifyRequest } from 'fastify';
import type { Clock } from '../../util/clock.js';
import type { DeltaService } from './delta.js';
import { preferredBodyType } from './body-format.js';
import type { RenderOptions } from './event-json.js';
import { GraphError } from './graph-error.js';
import type { Mailbox } from './model.js';
import type { Notifier } from './notifier.js';
import { parseExpand, parseSelect, type Query } from './odata.js';
import type { GraphStore } from './store.js';
import type { SubscriptionService } from './subscriptions.js';
import type { FaultInjector } from './faults.js';
import type { Throttle } from './throttle.js';
import { preferredTimeZone, toIana } from './time-zones.js';
import type { Principal, TokenService } from './tokens.js';
import type { RequestLog } from './request-log.js';
import type { StrictOptions } from './options.js';

export interface EmulatorContext {
  clock: Clock;
  store: GraphStore;
  tokens: TokenService;
  delta: DeltaService;
  throttle: Throttle;
  faults: FaultInjector;
  notifier: Notifier;
  subscriptions: SubscriptionService;
  tenantId: string;
  /** Sent by the admin API on injected requests: skips auth checks, throttling and faults. */
  adminSecret: string;
  /** Default page size of event collections (Graph: 10). */
  pageSize: number;
  /** Default page size of delta rounds without Prefer: odata.maxpagesize. */
  deltaPageSize: number;
  protocol: 'https' | 'http';
  /** Every client request, for tests that count them. */
  requestLog: RequestLog;
  /** Where live Graph is stricter than its documentation (or varies): what the emulator does. */
  strict: StrictOptions;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    releaseThrottle: (() => void) | null;
  }
}

export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new GraphError(401, 'InvalidAuthenticationToken', 'Access token is empty.');
  return req.principal;
}

/** The mailbox a `/me/…` or `/users/{id}/…` route addresses; delegated tokens reach only their own. */
export function mailboxOf(ctx: EmulatorContext, req: FastifyRequest): Mailbox {
  const principal = principalOf(req);
  const userId = (req.params as { userId?: string }).userId;
  const mb = ctx.store.mailbox(userId ?? principal.userId);
  if (mb.id !== principal.userId) throw new GraphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
  return mb;
}

export function baseUrl(ctx: EmulatorContext, req: FastifyRequest): string {
  return `${ctx.protocol}://${req.headers.host ?? 'localhost'}`;
}

export function queryOf(req: FastifyRequest): Query {
  return (req.query ?? {}) as Query;
}

export function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(',') : v;
}

/** `Prefer: IdType="ImmutableId"` (outlook-immutable-id.md). */
export function wantsImmutableIds(prefer: string | undefined): boolean {
  return prefer !== undefined && /IdType\s*=\s*"?ImmutableId"?/i.test(prefer);
}

/**
 * Render options from Prefer, $select and $expand; an unknown Prefer zone is Graph's 400. Bodies are
 * HTML unless the reader prefers text (or the emulator runs lenient); ids are immutable on request.
 */
export function renderOptions(ctx: EmulatorContext, req: FastifyRequest, opts: { select?: boolean } = { select: true }): RenderOptions {
  const q = queryOf(req);
  const prefer = header(req, 'prefer');
  const zone = preferredTimeZone(prefer);
  if (zone) toIana(zone);
  const select = opts.select ? parseSelect(q) : undefined;
  const expandExtended = parseExpand(q);
  return {
    zone,
    ...(select ? { select } : {}),
    ...(expandExtended ? { expandExtended } : {}),
    body: preferredBodyType(prefer) ?? (ctx.strict.htmlBodies ? 'html' : 'stored'),
    immutableIds: wantsImmutableIds(prefer),
    allDaySeriesZoneUtc: ctx.strict.allDayOriginalZoneUtc,
  };
}

/** `@odata.context` for a user-scoped resource. */
export function odataContext(ctx: EmulatorContext, req: FastifyRequest, mb: Mailbox, suffix: string): string {
  return `${baseUrl(ctx, req)}/v1.0/$metadata#users('${mb.id}')/${suffix}`;
}

/** The same request URL with some query parameters replaced (for nextLinks). */
export function linkWith(ctx: EmulatorContext, req: FastifyRequest, params: Record<string, string | undefined>): string {
  const url = new URL(req.url, baseUrl(ctx, req));
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) url.searchParams.delete(k);
    else url.searchParams.set(k, v);
  }
  // Graph writes `$` literally in its links; URLSearchParams would encode it.
  return url.toString().replace(/%24/g, '$');
}
