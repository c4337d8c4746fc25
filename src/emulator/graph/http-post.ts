/**
 * Outbound POSTs to webhook receivers (validation handshakes and notifications), with a hard
 * timeout, on calsync's one outbound edge (src/net/http-fetch.ts; the answer read through its byte
 * cap). TLS trusts the system roots, the emulator's own certificate and any extra CAs given, so a
 * receiver may run on the emulator's certificate or a test certificate of its own. No address guard:
 * the emulator posts to the receivers its operator registered, on loopback in tests.
 */
import { rootCertificates } from 'node:tls';
import { readCappedText } from '../../net/capped-body.js';
import { httpFetch } from '../../net/http-fetch.js';
import type { FetchLike } from '../../net/types.js';

/** A validation answer is the token echoed back; nothing a receiver sends needs more. */
const MAX_ANSWER_BYTES = 1024 * 1024;

export interface PostResult {
  status: number;
  contentType: string;
  body: string;
  elapsedMs: number;
}

/** What delivery needs from HTTP; injectable so delivery rules are tested without sockets. */
export interface WebhookPoster {
  post(url: string, body: string, contentType: string, timeoutMs: number): Promise<PostResult>;
}

export class WebhookSender implements WebhookPoster {
  private readonly fetch: FetchLike & { close(): void };

  constructor(extraCas: string[]) {
    this.fetch = httpFetch({ guard: false, ca: [...rootCertificates, ...extraCas] });
  }

  /** Resolves with the answer, or rejects on network error or when `timeoutMs` passes. */
  async post(url: string, body: string, contentType: string, timeoutMs: number): Promise<PostResult> {
    const started = performance.now();
    const signal = AbortSignal.timeout(timeoutMs);
    const res = await this.fetch(url, { method: 'POST', body, headers: { 'content-type': contentType }, signal });
    const text = await readCappedText(res, { maxBytes: MAX_ANSWER_BYTES, signal });
    return {
      status: res.status,
      contentType: res.headers.get('content-type') ?? '',
      body: text,
      elapsedMs: performance.now() - started,
    };
  }

  async close(): Promise<void> {
    this.fetch.close();
  }
}
