/**
 * `GET /ws`: the live status channel, scoped to one tenant: a connection receives the status bus events
 * of its tenant only, as JSON text frames. Authenticated before the upgrade by `Authorization: Bearer
 * <key>` (servers), the dashboard's session cookie, or `?ticket=` — a single-use ticket from
 * `POST /api/v1/ws-ticket` — so no API key ever travels in a URL (issue 10, finding 4).
 *
 * The key behind every open socket is checked again every `revalidateMs` (one check per distinct key):
 * a revoked key — revoked by `calsync apikey revoke` in another process — closes its sockets
 * (1008 "api key revoked") and ends its browser sessions (finding 8). A ping every `heartbeatMs`
 * keeps proxies from idling the connection out and drops peers that stopped answering.
 */
import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from '@fastify/websocket';
import type { StatusBus } from '../../service/status/bus.js';
import type { Store } from '../../store/types.js';
import { presentedPrincipal, verifyPrincipal } from '../auth.js';
import { principalName, type BrowserSessions, type Principal } from '../edge/sessions.js';

export interface WsRouteOptions {
  store: Store;
  bus: StatusBus;
  sessions?: BrowserSessions;
  /** Ping interval (default 30 s); a peer that missed the previous pong is dropped. */
  heartbeatMs?: number;
  /** How often the keys of open sockets are verified again (default 15 s). */
  revalidateMs?: number;
}

/** Who a WebSocket request presents: Bearer header, session cookie, or a single-use ticket. */
function wsPrincipal(req: FastifyRequest, sessions: BrowserSessions | undefined): Principal | undefined {
  let presented: ReturnType<typeof presentedPrincipal>;
  try {
    presented = presentedPrincipal(req, sessions);
  } catch {
    return undefined;
  }
  if (presented) return presented.principal;
  const ticket = (req.query as Record<string, unknown> | undefined)?.ticket;
  return typeof ticket === 'string' && ticket !== '' && ticket.length <= 512 ? sessions?.redeemTicket(ticket) : undefined;
}

/** Open sockets by who opened them; `check` closes the sockets of keys (users) that no longer verify. */
class SocketsByKey {
  private readonly byKey = new Map<string, { principal: Principal; sockets: Set<WebSocket> }>();

  add(principal: Principal, socket: WebSocket): void {
    const name = principalName(principal);
    let entry = this.byKey.get(name);
    if (!entry) this.byKey.set(name, (entry = { principal, sockets: new Set() }));
    entry.sockets.add(socket);
  }

  remove(principal: Principal, socket: WebSocket): void {
    const name = principalName(principal);
    const entry = this.byKey.get(name);
    entry?.sockets.delete(socket);
    if (entry?.sockets.size === 0) this.byKey.delete(name);
  }

  async check(store: Store, sessions: BrowserSessions | undefined): Promise<void> {
    for (const [name, { principal, sockets }] of [...this.byKey]) {
      if (await verifyPrincipal(store.apiKeys, store, principal)) continue;
      sessions?.forget(principal);
      for (const socket of sockets) socket.close(1008, principal.kind === 'key' ? 'api key revoked' : 'signed out');
      this.byKey.delete(name);
    }
  }
}

export async function wsRoutes(app: FastifyInstance, opts: WsRouteOptions): Promise<void> {
  await app.register(websocket);
  const verified = new WeakMap<FastifyRequest, { tenantId: string; principal: Principal }>();
  const heartbeatMs = opts.heartbeatMs ?? 30_000;
  const open = new SocketsByKey();
  let checking = false;
  const revalidate = setInterval(() => {
    if (checking) return;
    checking = true;
    open
      .check(opts.store, opts.sessions)
      .catch((err: unknown) => app.log.warn({ err }, 'websocket key check failed'))
      .finally(() => (checking = false));
  }, opts.revalidateMs ?? 15_000);
  revalidate.unref();
  app.addHook('onClose', async () => clearInterval(revalidate));

  app.get(
    '/ws',
    {
      websocket: true,
      // Runs before the upgrade: a failure is a plain HTTP 401, never an open socket.
      preValidation: async (req, reply) => {
        const principal = wsPrincipal(req, opts.sessions);
        const found = principal ? await verifyPrincipal(opts.store.apiKeys, opts.store, principal) : undefined;
        if (!found || principal === undefined) {
          void reply.header('www-authenticate', 'Bearer realm="calsync"');
          return reply.code(401).send({ error: { code: 'UNAUTHORIZED', message: 'a valid API key, session or ticket is required' } });
        }
        verified.set(req, { tenantId: found.tenant.id, principal });
        return undefined;
      },
    },
    (socket, req) => {
      const who = verified.get(req);
      if (who === undefined) return socket.close(1008, 'unauthorized');
      open.add(who.principal, socket);
      const unsubscribe = opts.bus.subscribe(who.tenantId, (event) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(event));
      });
      let alive = true;
      socket.on('pong', () => (alive = true));
      const heartbeat = setInterval(() => {
        if (!alive) return socket.terminate();
        alive = false;
        socket.ping();
      }, heartbeatMs);
      socket.on('close', () => {
        clearInterval(heartbeat);
        unsubscribe();
        open.remove(who.principal, socket);
      });
      socket.send(JSON.stringify({ type: 'hello', tenantId: who.tenantId }));
    },
  );
}
