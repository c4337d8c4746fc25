/** Shared set-up for the emulator tests: an emulator, a trusted HTTP agent, the official client. */
import { Client } from '@microsoft/microsoft-graph-client';
import Fastify, { type FastifyInstance } from 'fastify';
import { Agent, request } from 'undici';
import { type GraphEmulator, type GraphEmulatorOptions, createGraphEmulator } from '../../src/emulator/graph/index.js';
import type { TlsMaterial } from '../../src/emulator/graph/tls.js';
import { generateCertificate } from '../../src/emulator/graph/tls.js';

let sharedTls: Promise<TlsMaterial> | undefined;

/** One certificate per test file keeps start-up fast; each emulator still gets its own state. */
export function testTls(): Promise<TlsMaterial> {
  sharedTls ??= generateCertificate(['127.0.0.1']);
  return sharedTls;
}

export interface Harness {
  emu: GraphEmulator;
  agent: Agent;
  readonly token: string;
  client: Client;
  /** Issue a fresh access token (after moving a manual clock past the old one's expiry). */
  renewToken(): void;
  /** Raw request against the emulator (for status codes and headers the client hides). */
  call(method: string, path: string, opts?: { body?: unknown; headers?: Record<string, string>; token?: string | null }): Promise<{ status: number; headers: Record<string, string>; body: unknown }>;
  close(): Promise<void>;
}

export async function startHarness(options: GraphEmulatorOptions = {}): Promise<Harness> {
  const emu = await createGraphEmulator({ tls: await testTls(), ...options });
  const agent = new Agent({ connect: { ca: emu.caCert } });
  let accessToken = emu.admin.issueToken('adele@contoso.onmicrosoft.com').accessToken;
  const client = graphClient(emu, agent, () => accessToken);
  return {
    emu,
    agent,
    get token() {
      return accessToken;
    },
    client,
    renewToken() {
      accessToken = emu.admin.issueToken('adele@contoso.onmicrosoft.com').accessToken;
    },
    async call(method, path, opts = {}) {
      const token = opts.token === undefined ? accessToken : opts.token;
      const res = await request(`${emu.graphUrl}${path}`, {
        method: method as 'GET',
        dispatcher: agent,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...opts.headers,
        },
        ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
      });
      const text = await res.body.text();
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = String(v);
      return { status: res.statusCode, headers, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
    },
    async close() {
      await emu.close();
      await agent.close();
    },
  };
}

/** The official client, unchanged except for its base URL (and a dispatcher that trusts the CA). */
export function graphClient(emu: GraphEmulator, agent: Agent, token: () => string): Client {
  return Client.init({
    authProvider: (done) => done(null, token()),
    baseUrl: `${emu.url}/`,
    customHosts: new Set([new URL(emu.url).hostname]),
    fetchOptions: { dispatcher: agent } as RequestInit,
  });
}

export interface Received {
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  rawBody: string;
}

/** A local webhook receiver whose behaviour each test scripts. */
export async function startReceiver(
  behaviour: (req: Received) => Promise<{ status: number; body?: string; type?: string }> | { status: number; body?: string; type?: string } = (r) => {
    const token = new URL(r.url, 'http://x').searchParams.get('validationToken');
    return token !== null ? { status: 200, body: token, type: 'text/plain' } : { status: 202 };
  },
): Promise<{ url: string; received: Received[]; app: FastifyInstance; close(): Promise<void> }> {
  const app = Fastify();
  const received: Received[] = [];
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.post('/*', async (req, reply) => {
    const rawBody = typeof req.body === 'string' ? req.body : '';
    let body: unknown = rawBody;
    try {
      body = rawBody ? JSON.parse(rawBody) : undefined;
    } catch {
      body = rawBody;
    }
    const r: Received = { url: req.url, headers: req.headers, body, rawBody };
    received.push(r);
    const answer = await behaviour(r);
    return reply.code(answer.status).type(answer.type ?? 'text/plain').send(answer.body ?? '');
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, received, app, close: () => app.close() };
}

/** Poll until `check` is true (bounded), for effects that happen asynchronously. */
export async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const event = (subject: string, start: string, end: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  subject,
  start: { dateTime: start, timeZone: 'UTC' },
  end: { dateTime: end, timeZone: 'UTC' },
  ...extra,
});
