/**
 * The REST API, mounted under `/api/v1` by `app.ts`. Everything requires an API key except the Outlook
 * sign-in redirect, which a browser follows (its single-use `state` names the tenant). One route file
 * per resource.
 */
import type { FastifyInstance } from 'fastify';
import { registerApiKeyAuth } from '../../auth.js';
import { agendaRoutes } from './agenda.js';
import { calendarRoutes } from './calendars.js';
import { conflictRoutes } from './conflicts.js';
import type { ApiDeps } from './context.js';
import { deadLetterRoutes } from './dead-letters.js';
import { eventRoutes } from './events.js';
import { integrationRoutes, outlookCallbackRoute } from './integrations.js';
import { syncRoutes } from './syncs.js';

export type { ApiDeps, OutlookOAuthFlow } from './context.js';

export async function apiRoutes(scope: FastifyInstance, deps: ApiDeps): Promise<void> {
  const outlook = deps.outlookOAuth;
  if (outlook) await scope.register(async (open) => outlookCallbackRoute(open, outlook));
  await scope.register(async (authed) => {
    registerApiKeyAuth(authed, deps.auth ?? { store: deps.store, clock: deps.clock, ...(deps.authCacheTtlMs === undefined ? {} : { cacheTtlMs: deps.authCacheTtlMs }) });
    integrationRoutes(authed, deps);
    calendarRoutes(authed, deps);
    eventRoutes(authed, deps);
    syncRoutes(authed, deps);
    conflictRoutes(authed, deps);
    deadLetterRoutes(authed, deps);
    agendaRoutes(authed, deps);
  });
}
