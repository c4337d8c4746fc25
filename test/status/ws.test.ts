import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { WebSocket } from 'undici';
import { buildApp } from '../../src/server/app.js';
import { MemoryStatusBus } from '../../src/service/status/bus.js';
import { openStore, type SqlStore } from '../../src/store/open.js';
import { started } from './conformance.js';

let store: SqlStore;
let dir: string;
let app: FastifyInstance;
let bus: MemoryStatusBus;
let base: string;
let key: string;
let otherKey: string;
const sockets: WebSocket[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'calsync-ws-'));
  store = await openStore({ databaseUrl: 'sqlite::memory:', dataDir: dir });
  const tenant = await store.tenants.ensureDefault();
  const other = await store.tenants.create('other');
  key = (await store.apiKeys.create(tenant.id, 'test')).key;
  otherKey = (await store.apiKeys.create(other.id, 'test')).key;
  bus = new MemoryStatusBus();
  app = await buildApp({ store, statusBus: bus });
  base = (await app.listen({ port: 0, host: '127.0.0.1' })).replace('http', 'ws');
});

afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  await app.close();
  await bus.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Opens a socket and collects its messages; resolves after the server's hello. */
async function connect(url: string, headers: Record<string, string> = {}): Promise<{ socket: WebSocket; messages: unknown[] }> {
  const socket = new WebSocket(url, { headers });
  sockets.push(socket);
  const messages: unknown[] = [];
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('message', (e) => {
      const msg = JSON.parse(String(e.data)) as { type: string };
      if (msg.type === 'hello') resolve();
      else messages.push(msg);
    });
    socket.addEventListener('error', () => reject(new Error('refused')));
  });
  return { socket, messages };
}

async function until(fn: () => boolean): Promise<void> {
  const deadline = Date.now() + 3_000;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('/ws', () => {
  it("streams the key's tenant's events (Bearer header) and nothing of other tenants", async () => {
    const tenantId = (await store.apiKeys.verify(key))!.tenant.id;
    const otherId = (await store.apiKeys.verify(otherKey))!.tenant.id;
    const { messages } = await connect(`${base}/ws`, { authorization: `Bearer ${key}` });
    await bus.publish(started(otherId, 'not-yours'));
    await bus.publish(started(tenantId, 'yours'));
    await until(() => messages.length === 1);
    expect((messages[0] as { calendarId?: string }).calendarId).toBe('yours');
  });

  it('accepts a single-use ticket (browsers), never the key itself in the URL', async () => {
    const tenantId = (await store.apiKeys.verify(otherKey))!.tenant.id;
    const res = await app.inject({ method: 'POST', url: '/api/v1/ws-ticket', headers: { authorization: `Bearer ${otherKey}` } });
    const { ticket } = res.json() as { ticket: string };
    const { messages } = await connect(`${base}/ws?ticket=${encodeURIComponent(ticket)}`);
    await bus.publish(started(tenantId));
    await until(() => messages.length === 1);
    await expect(connect(`${base}/ws?token=${encodeURIComponent(otherKey)}`)).rejects.toThrow('refused');
  });

  it('answers 401 without a key or with a wrong one', async () => {
    await expect(connect(`${base}/ws`)).rejects.toThrow('refused');
    await expect(connect(`${base}/ws?ticket=nope`)).rejects.toThrow('refused');
    await expect(connect(`${base}/ws`, { authorization: 'Bearer csk_nope' })).rejects.toThrow('refused');
  });

  it('unsubscribes when the socket closes', async () => {
    const tenantId = (await store.apiKeys.verify(key))!.tenant.id;
    const { socket } = await connect(`${base}/ws`, { authorization: `Bearer ${key}` });
    const subscribed = bus.subscribe(tenantId, () => undefined);
    socket.close();
    await new Promise((r) => setTimeout(r, 100));
    // Only our own listener is left: the socket's went away with it.
    expect((bus as unknown as { fanout: { size: number } }).fanout.size).toBe(1);
    subscribed();
  });
});

describe('/ws heartbeat', () => {
  it('answers a keyless upgrade with a plain 401', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${base.replace('ws', 'http')}/ws`, { headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' } });
      req.on('response', (res) => resolve(res.statusCode ?? 0));
      req.on('upgrade', () => reject(new Error('upgraded without a key')));
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(401);
  });

  it('pings, and drops a peer that never answers', async () => {
    const { wsRoutes } = await import('../../src/server/routes/ws.js');
    const fast = (await import('fastify')).default();
    await fast.register(async (scope) => wsRoutes(scope, { store, bus, heartbeatMs: 50 }));
    const url = await fast.listen({ port: 0, host: '127.0.0.1' });
    // A raw upgrade: this peer reads frames but never sends the pong the server asks for.
    const pings = await new Promise<number>((resolve, reject) => {
      const req = request(`${url}/ws`, { headers: { authorization: `Bearer ${key}`, connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' } });
      req.on('upgrade', (_res, socket) => {
        let count = 0;
        socket.on('data', (chunk: Buffer) => {
          if (chunk[0] === 0x89) count += 1; // FIN + ping opcode
        });
        socket.on('close', () => resolve(count));
      });
      req.on('error', reject);
      req.end();
    });
    expect(pings).toBeGreaterThanOrEqual(1);
    await fast.close();
  });
});
