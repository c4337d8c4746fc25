/**
 * A fault-injecting HTTP(S) reverse proxy on loopback, in front of one loopback upstream (Radicale, the
 * Graph emulator). While enabled, each request draws a fault with probability `rate`:
 * - `throttle`: 429 with Retry-After (1–3 s), not forwarded;
 * - `error500` / `error503`: not forwarded (503 with Retry-After);
 * - `reset-before`: the connection is reset before anything is forwarded;
 * - `reset-after`: forwarded, the upstream applies it and answers, then the connection is reset
 *   instead of answering (the client cannot know its write landed);
 * - `latency`: 1.5–5 s of delay before forwarding or after the upstream answered;
 * - `truncate`: forwarded, the status and headers (with the full Content-Length) and half the body are
 *   sent, then the connection is closed.
 * Bodies are buffered whole (calendar traffic is small). Absolute URLs of the upstream in answers
 * (Graph's nextLink/deltaLink, the OAuth discovery documents, Location) are rewritten to the proxy's,
 * as a reverse proxy does, so the client stays behind it. The upstream must be a loopback address.
 */
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import type { Rng } from './rng.js';
import { sleep } from './rng.js';

export const FAULT_KINDS = ['throttle', 'error500', 'error503', 'reset-before', 'reset-after', 'latency', 'truncate'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultProxyOptions {
  name: string;
  /** Upstream origin, e.g. http://127.0.0.1:5232 (loopback only). */
  upstream: string;
  /** Serve HTTPS with this key/cert, and trust the cert as the upstream's CA (the emulator's own). */
  tls?: { key: string; cert: string };
  rate: number;
  rng: Rng;
  /** Graph-style JSON error bodies (for the emulator) instead of plain text. */
  graphErrors?: boolean;
}

const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host', 'content-length']);

function isLoopback(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

interface Upstream {
  status: number;
  headers: OutgoingHttpHeaders;
  body: Buffer;
}

export class FaultProxy {
  enabled = false;
  requests = 0;
  /** Requests seen while injecting was enabled (the base of the fault rate). */
  exposed = 0;
  readonly faults: Record<FaultKind, number> = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  url = '';

  constructor(private readonly opts: FaultProxyOptions) {
    const target = new URL(opts.upstream);
    if (!isLoopback(target.hostname)) throw new Error(`fault proxy ${opts.name}: upstream ${opts.upstream} is not a loopback address`);
  }

  get totalFaults(): number {
    return Object.values(this.faults).reduce((a, b) => a + b, 0);
  }

  async start(): Promise<string> {
    const handler = (req: IncomingMessage, res: ServerResponse): void => void this.handle(req, res).catch(() => req.socket.destroy());
    const server = this.opts.tls ? createHttpsServer({ key: this.opts.tls.key, cert: this.opts.tls.cert }, handler) : createHttpServer(handler);
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    server.on('secureConnection', (s: Socket) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    this.url = `${this.opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
    return this.url;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  }

  private draw(): FaultKind | undefined {
    if (!this.enabled || !this.opts.rng.chance(this.opts.rate)) return undefined;
    const kind = this.opts.rng.pick(FAULT_KINDS);
    this.faults[kind] += 1;
    return kind;
  }

  private errorBody(status: number): { type: string; body: string } {
    if (!this.opts.graphErrors) return { type: 'text/plain', body: `injected ${status}` };
    const code = status === 429 ? 'TooManyRequests' : status === 503 ? 'ServiceNotAvailable' : 'InternalServerError';
    return { type: 'application/json', body: JSON.stringify({ error: { code, message: `injected by the campaign's fault proxy (${status})` } }) };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests += 1;
    if (this.enabled) this.exposed += 1;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const fault = this.draw();
    const reset = (): void => {
      const s = req.socket as Socket & { resetAndDestroy?: () => void };
      if (s.resetAndDestroy) s.resetAndDestroy();
      else s.destroy();
    };
    if (fault === 'throttle' || fault === 'error500' || fault === 'error503') {
      const status = fault === 'throttle' ? 429 : fault === 'error500' ? 500 : 503;
      const { type, body: text } = this.errorBody(status);
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text), ...(status === 500 ? {} : { 'retry-after': String(1 + this.opts.rng.int(3)) }) });
      res.end(text);
      return;
    }
    if (fault === 'reset-before') return reset();
    const delayBefore = fault === 'latency' && this.opts.rng.chance(0.5);
    const delayMs = fault === 'latency' ? this.opts.rng.between(1500, 5000) : 0;
    if (delayBefore) await sleep(delayMs);
    let answer: Upstream;
    try {
      answer = await this.forward(req, body);
    } catch {
      return reset();
    }
    answer = this.rewrite(answer);
    if (fault === 'latency' && !delayBefore) await sleep(delayMs);
    if (fault === 'reset-after') return reset();
    if (fault === 'truncate' && answer.body.length > 1) {
      res.writeHead(answer.status, { ...answer.headers, 'content-length': answer.body.length });
      res.write(answer.body.subarray(0, Math.floor(answer.body.length / 2)), () => req.socket.destroy());
      return;
    }
    if (fault === 'truncate') return reset();
    res.writeHead(answer.status, { ...answer.headers, 'content-length': answer.body.length });
    res.end(answer.body);
  }

  /** The upstream's origin → ours, in Location and in textual bodies. */
  private rewrite(answer: Upstream): Upstream {
    const from = new URL(this.opts.upstream).origin;
    const to = this.url;
    const headers = { ...answer.headers };
    if (typeof headers.location === 'string') headers.location = headers.location.split(from).join(to);
    const type = String(headers['content-type'] ?? '');
    if (!/json|xml|text|html/i.test(type) || headers['content-encoding']) return { ...answer, headers };
    const text = answer.body.toString('utf8');
    if (!text.includes(from)) return { ...answer, headers };
    return { ...answer, headers, body: Buffer.from(text.split(from).join(to), 'utf8') };
  }

  private forward(req: IncomingMessage, body: Buffer): Promise<Upstream> {
    const target = new URL(req.url ?? '/', this.opts.upstream);
    const headers: OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) if (!HOP.has(k) && v !== undefined) headers[k] = v;
    headers['content-length'] = body.length;
    headers.host = target.host;
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const up = send(target, { method: req.method ?? 'GET', headers, ...(this.opts.tls && target.protocol === 'https:' ? { ca: this.opts.tls.cert } : {}) }, (r) => {
        const parts: Buffer[] = [];
        r.on('data', (c: Buffer) => parts.push(c));
        r.on('error', reject);
        r.on('end', () => {
          const out: OutgoingHttpHeaders = {};
          for (const [k, v] of Object.entries(r.headers)) if (!HOP.has(k) && v !== undefined) out[k] = v;
          resolve({ status: r.statusCode ?? 502, headers: out, body: Buffer.concat(parts) });
        });
      });
      up.setTimeout(60_000, () => up.destroy(new Error('upstream timeout')));
      up.on('error', reject);
      up.end(body);
    });
  }
}
