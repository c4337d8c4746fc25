/**
 * A small loopback HTTP proxy in front of a real server (Radicale, Xandikos) that can hold one request
 * until a test has done something else — e.g. hold calsync's GET that follows its PUT while another
 * client PUTs straight to the server. That is a slow read-back made deterministic: the other client's
 * write is known to land between calsync's write and its read, with no timing involved.
 */
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  method: string;
  /** Path and query, as sent. */
  path: string;
}

export interface HoldRule {
  /** Picks the request to hold; `seen` are the requests forwarded before it, oldest first. */
  when: (req: ProxiedRequest, seen: readonly ProxiedRequest[]) => boolean;
  /** Runs while the request is held; the request is forwarded when it resolves. */
  meanwhile: () => Promise<void>;
}

export interface DelayingProxy {
  /** The proxy's base URL (`http://127.0.0.1:PORT/`): use it instead of the server's. */
  url: string;
  /** Requests forwarded so far. */
  seen: ProxiedRequest[];
  /** Holds the next request matching the rule (one-shot). */
  hold(rule: HoldRule): void;
  /** Whether the armed rule has held a request. */
  readonly held: boolean;
  close(): Promise<void>;
}

function forward(upstream: URL, method: string, path: string, headers: IncomingHttpHeaders, body: Buffer): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: upstream.hostname, port: upstream.port, method, path, headers: { ...headers, host: upstream.host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Starts a proxy on a free loopback port in front of `upstreamUrl` (a loopback URL). */
export async function startDelayingProxy(upstreamUrl: string): Promise<DelayingProxy> {
  const upstream = new URL(upstreamUrl);
  const seen: ProxiedRequest[] = [];
  let rule: HoldRule | undefined;
  let held = false;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const info: ProxiedRequest = { method: req.method ?? 'GET', path: req.url ?? '/' };
        const due = rule && rule.when(info, seen) ? rule : undefined;
        if (due) {
          rule = undefined;
          held = true;
          await due.meanwhile();
        }
        seen.push(info);
        const answer = await forward(upstream, info.method, info.path, req.headers, Buffer.concat(chunks));
        // Bodies were read whole: drop hop-by-hop framing, send a plain length.
        const { 'transfer-encoding': _te, connection: _c, 'content-length': _cl, ...headers } = answer.headers;
        res.writeHead(answer.status, { ...headers, 'content-length': String(answer.body.length) });
        res.end(answer.body);
      })().catch((err: unknown) => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(err instanceof Error ? err.message : String(err));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    seen,
    hold(next) {
      rule = next;
      held = false;
    },
    get held() {
      return held;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
