/**
 * `GET /ws`: the live status channel. Authenticated with a tenant API key — `Authorization: Bearer <key>`
 * or `?token=<key>` (browsers cannot set headers on a WebSocket) — and scoped to that key's tenant: a
 * connection receives the status bus events of its tenant only, as JSON text frames. A ping every
 * `heartbeatMs` keeps proxies from idling the connection out and drops peers that stopped answering.
 */
import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { StatusBus } from '../../service/status/bus.js';
import type { Store } from '../../store/types.js';

export interface WsRouteOptions {
  store: Store;
  bus: StatusBus;
  /** Ping interval (default 30 s); a peer that missed the previous pong is dropped. */
  heartbeatMs?: number;
}

/** The API key a request presents: the Bearer header first, then the `token` query parameter. */
export function presentedApiKey(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length).trim() || undefined;
  const token = (req.query as Record<string, unknown> | undefined)?.token;
  return typeof token === 'string' && token !== '' ? token : undefined;
}

export async function wsRoutes(app: FastifyInstance, opts: WsRouteOptions): Promise<void> {
  await app.register(websocket);
  const tenantOf = new WeakMap<FastifyRequest, string>();
  const heartbeatMs = opts.heartbeatMs ?? 30_000;

  app.get(
    '/ws',
    {
      websocket: true,
      // Runs before the upgrade: a failure is a plain HTTP 401, never an open socket.
      preValidation: async (req, reply) => {
        const key = presentedApiKey(req);
        const verified = key ? await opts.store.apiKeys.verify(key) : undefined;
        if (!verified) return reply.code(401).send({ error: { code: 'UNAUTHORIZED', message: 'a valid API key is required' } });
        tenantOf.set(req, verified.tenant.id);
      },
    },
    (socket, req) => {
      const tenantId = tenantOf.get(req);
      if (tenantId === undefined) return socket.close(1008, 'unauthorized');
      const unsubscribe = opts.bus.subscribe(tenantId, (event) => {
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
      });
      socket.send(JSON.stringify({ type: 'hello', tenantId }));
    },
  );
}
