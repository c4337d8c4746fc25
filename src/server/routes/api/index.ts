/**
 * The REST API, mounted under `/api/v1` by `app.ts`. Everything requires an API key except the Outlook
 * sign-in redirect, which a browser follows (its single-use `state` names the tenant). One route file
 * per resource.
 */
import type { FastifyInstance } from 'fastify';
import { registerApiKeyAuth } from '../../auth.js';
import { ChangeSignal } from '../../../service/changes/change-signal.js';
import { agendaRoutes } from './agenda.js';
import { calendarRoutes } from './calendars.js';
import { changeRoutes } from './changes.js';
import { conflictRoutes } from './conflicts.js';
import type { ApiDeps } from './context.js';
import { deadLetterRoutes } from './dead-letters.js';
import { eventRoutes } from './events.js';
import { expireIdempotencyKeys } from './idempotency.js';
import { integrationRoutes, outlookCallbackRoute } from './integrations.js';
import { syncRoutes } from './syncs.js';

export type { ApiDeps, OutlookOAuthFlow } from './context.js';

export async function apiRoutes(scope: FastifyInstance, deps: ApiDeps): Promise<void> {
  const outlook = deps.outlookOAuth;
  if (outlook) await scope.register(async (open) => outlookCallbackRoute(open, outlook));
  const changeSignal = new ChangeSignal(deps.store);
  // Idempotency keys live a day; forgotten hourly (failures only delay that).
  const expiry = setInterval(() => void expireIdempotencyKeys(deps.store, deps.clock).catch(() => undefined), 60 * 60 * 1000);
  expiry.unref();
  // Before the server waits for open requests: long polls answer at once instead of holding the shutdown.
  scope.addHook('preClose', async () => {
    clearInterval(expiry);
    changeSignal.close();
  });
  await scope.register(async (authed) => {
    registerApiKeyAuth(authed, deps.auth ?? { store: deps.store, clock: deps.clock, ...(deps.authCacheTtlMs === undefined ? {} : { cacheTtlMs: deps.authCacheTtlMs }) });
    integrationRoutes(authed, deps);
    calendarRoutes(authed, deps);
    eventRoutes(authed, deps);
    changeRoutes(authed, deps, changeSignal);
    syncRoutes(authed, deps);
    conflictRoutes(authed, deps);
    deadLetterRoutes(authed, deps);
    agendaRoutes(authed, deps);
  });
}
