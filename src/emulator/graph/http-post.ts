/**
 * Outbound POSTs to webhook receivers (validation handshakes and notifications), with a hard
 * timeout. TLS trusts the system roots, the emulator's own certificate and any extra CAs given,
 * so a receiver may run on the emulator's certificate or a test certificate of its own.
 */
import { rootCertificates } from 'node:tls';
import { Agent, request } from 'undici';

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
  private readonly agent: Agent;

  constructor(extraCas: string[]) {
    this.agent = new Agent({ connect: { ca: [...rootCertificates, ...extraCas] } });
  }

  /** Resolves with the answer, or rejects on network error or when `timeoutMs` passes. */
  async post(url: string, body: string, contentType: string, timeoutMs: number): Promise<PostResult> {
    const started = performance.now();
    const res = await request(url, {
      method: 'POST',
      body,
      headers: { 'content-type': contentType },
      dispatcher: this.agent,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.body.text();
    const header = res.headers['content-type'];
    return {
      status: res.statusCode,
      contentType: (Array.isArray(header) ? header[0] : header) ?? '',
      body: text,
      elapsedMs: performance.now() - started,
    };
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
