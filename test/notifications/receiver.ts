/** A webhook receiver on 127.0.0.1 that records requests and answers with scripted status codes. */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { vi } from 'vitest';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Status codes for the next requests, in order; 204 once they run out. */
  answers: number[];
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const answers: number[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.statusCode = answers.shift() ?? 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}/hooks`, received, answers, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/**
 * Checks a delivery with the reference Standard Webhooks verifier (the `standardwebhooks` package), as a
 * receiver whose clock reads `nowMs` (the tests' manual clock); returns the parsed body.
 */
export function verifyStandard(secret: string, delivery: Received, nowMs: number): unknown {
  const header = (name: string): string => String(delivery.headers[name] ?? '');
  vi.useFakeTimers({ toFake: ['Date'], now: nowMs });
  try {
    return new Webhook(secret).verify(delivery.body, { 'webhook-id': header('webhook-id'), 'webhook-timestamp': header('webhook-timestamp'), 'webhook-signature': header('webhook-signature') });
  } finally {
    vi.useRealTimers();
  }
}
