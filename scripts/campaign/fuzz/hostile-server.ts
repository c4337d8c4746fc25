/**
 * A loopback server that answers calsync's CalDAV and Graph providers with hostile responses. Each case
 * lives under its own path prefix (`/c<N>/…`), so cases run side by side; a case is a function from the
 * request (method, path, body) to what is written back, including trickled and cut-off answers.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HostileAnswer {
  status?: number;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** Write the body one chunk of this many bytes every `trickleMs`. */
  trickleBytes?: number;
  trickleMs?: number;
  /** Destroy the connection after this many body bytes. */
  cutAfter?: number;
}

export interface HostileRequest {
  method: string;
  /** Path below the case prefix (`/home/`, `/v1.0/me/calendars`, …), query included. */
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** Absolute URL of the case root (`http://127.0.0.1:P/c7`). */
  root: string;
}

export type CaseHandler = (req: HostileRequest) => HostileAnswer;

export class HostileServer {
  private readonly server: Server;
  private readonly cases = new Map<string, CaseHandler>();
  private readonly timers = new Set<NodeJS.Timeout>();
  responses = 0;
  baseUrl = '';

  constructor() {
    this.server = createServer((req, res) => this.handle(req, res));
    // Keep-alive sockets must not hold `close()` up.
    this.server.keepAliveTimeout = 1_000;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Registers a case; returns its root URL. */
  add(id: string, handler: CaseHandler): string {
    this.cases.set(id, handler);
    return `${this.baseUrl}/${id}`;
  }

  remove(id: string): void {
    this.cases.delete(id);
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= 1024 * 1024) chunks.push(c);
    });
    req.on('end', () => {
      const url = req.url ?? '/';
      const match = /^\/(c\d+)(\/.*)?$/.exec(url.split('?')[0] ?? '');
      const handler = match ? this.cases.get(match[1]!) : undefined;
      if (!match || !handler) {
        res.writeHead(404).end();
        return;
      }
      this.responses += 1;
      let answer: HostileAnswer;
      try {
        answer = handler({ method: req.method ?? 'GET', path: url.slice(match[1]!.length + 1), headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), root: `${this.baseUrl}/${match[1]}` });
      } catch {
        answer = { status: 500, body: 'case failed' };
      }
      this.write(res, answer);
    });
    req.on('error', () => res.destroy());
  }

  private write(res: ServerResponse, a: HostileAnswer): void {
    const body = typeof a.body === 'string' ? Buffer.from(a.body) : (a.body ?? Buffer.alloc(0));
    res.on('error', () => undefined);
    try {
      res.writeHead(a.status ?? 200, a.headers ?? {});
    } catch {
      res.destroy();
      return;
    }
    if (a.cutAfter !== undefined) {
      res.write(body.subarray(0, a.cutAfter));
      setTimeout(() => res.destroy(), 10);
      return;
    }
    if (!a.trickleBytes) {
      res.end(body);
      return;
    }
    let at = 0;
    const step = a.trickleBytes;
    const timer = setInterval(() => {
      if (res.destroyed || at >= body.length) {
        clearInterval(timer);
        this.timers.delete(timer);
        if (!res.destroyed) res.end();
        return;
      }
      res.write(body.subarray(at, at + step));
      at += step;
    }, a.trickleMs ?? 20);
    this.timers.add(timer);
    res.on('close', () => {
      clearInterval(timer);
      this.timers.delete(timer);
    });
  }
}
