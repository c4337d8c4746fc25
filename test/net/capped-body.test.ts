/**
 * Finding 2 (issue 10): every response body is read through one byte cap that stops at the limit —
 * 2xx and error bodies, streamed or read whole, compressed or not. "Stops" is asserted on the work
 * done (bytes pulled from the body), not on time or memory.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CalsyncError } from '../../src/errors.js';
import { cappedTextChunks, readCappedText } from '../../src/net/capped-body.js';
import { DavClient } from '../../src/providers/caldav/dav-client.js';
import { compressedBomb, serveBomb, type BombServer, type Encoding } from '../support/bomb.js';

const MiB = 1024 * 1024;

/** A body of `total` bytes produced on demand, counting what was pulled from it. */
function countingBody(total: number, status: number): { response: Response; pulled: () => number } {
  let pulled = 0;
  const piece = new Uint8Array(64 * 1024).fill(0x61);
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled >= total) {
        controller.close();
        return;
      }
      pulled += piece.byteLength;
      controller.enqueue(piece);
    },
  });
  return { response: new Response(stream, { status }), pulled: () => pulled };
}

async function failure(promise: Promise<unknown>): Promise<CalsyncError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CalsyncError);
  return error as CalsyncError;
}

describe('the capped reader', () => {
  it('stops pulling at the limit, read whole or in chunks', async () => {
    const whole = countingBody(64 * MiB, 200);
    const error = await failure(readCappedText(whole.response, { maxBytes: MiB }));
    expect(error.code).toBe('PROVIDER_REJECTED');
    expect(error.details).toMatchObject({ reason: 'response-too-large', limitBytes: MiB });
    expect(whole.pulled()).toBeLessThanOrEqual(MiB + 64 * 1024 * 2);

    const streamed = countingBody(64 * MiB, 200);
    const consumed = (async () => {
      for await (const chunk of cappedTextChunks(streamed.response, { maxBytes: MiB })) expect(chunk.length).toBeGreaterThan(0);
    })();
    expect((await failure(consumed)).code).toBe('PROVIDER_REJECTED');
    expect(streamed.pulled()).toBeLessThanOrEqual(MiB + 64 * 1024 * 2);
  });

  it('refuses a declared Content-Length over the limit before reading', async () => {
    const response = new Response('x'.repeat(100), { headers: { 'content-length': String(10 * MiB) } });
    expect((await failure(readCappedText(response, { maxBytes: MiB }))).details).toMatchObject({ reason: 'response-too-large' });
  });

  it('reads a body within the limit whole', async () => {
    expect(await readCappedText(new Response('﻿héllo'), { maxBytes: 16 })).toBe('héllo');
  });
});

describe('DavClient reads every body through the cap', () => {
  const client = (body: () => Response): DavClient =>
    new DavClient({ trustedUrl: 'https://cal.example.com/', lookup: async () => ['17.253.144.10'], fetch: async () => body(), maxResponseBytes: MiB, resilience: { maxAttempts: 1 } });

  it.each([200, 207, 403, 500])('HTTP %i, read whole', async (status) => {
    let pulled = (): number => 0;
    const error = await failure(
      client(() => {
        const b = countingBody(64 * MiB, status);
        pulled = b.pulled;
        return b.response;
      }).request({ method: 'REPORT', url: 'https://cal.example.com/cal/', body: '<x/>' }),
    );
    expect(error.code).toBe('PROVIDER_REJECTED');
    expect(error.details).toMatchObject({ reason: 'response-too-large' });
    expect(pulled()).toBeLessThan(4 * MiB);
  });

  it('HTTP 207, streamed to a consumer', async () => {
    let pulled = (): number => 0;
    const dav = client(() => {
      const b = countingBody(64 * MiB, 207);
      pulled = b.pulled;
      return b.response;
    });
    const error = await failure(
      dav.requestStream({ method: 'REPORT', url: 'https://cal.example.com/cal/', body: '<x/>' }, async (chunks) => {
        let n = 0;
        for await (const chunk of chunks) n += chunk.length;
        return n;
      }),
    );
    expect(error.details).toMatchObject({ reason: 'response-too-large' });
    expect(pulled()).toBeLessThan(4 * MiB);
  });
});

describe('compression bombs from a loopback server', () => {
  const servers: Partial<Record<string, BombServer>> = {};
  beforeAll(async () => {
    servers.gzip = await serveBomb(await compressedBomb('gzip', 300 * MiB), 'gzip');
    servers.gzip500 = await serveBomb(await compressedBomb('gzip', 32 * MiB), 'gzip', 500);
    servers.deflate = await serveBomb(await compressedBomb('deflate', 32 * MiB), 'deflate');
    servers.br = await serveBomb(await compressedBomb('br', 32 * MiB), 'br');
  }, 120_000);
  afterAll(async () => {
    await Promise.all(Object.values(servers).map((s) => s?.close()));
  });

  it.each(['gzip', 'gzip500', 'deflate', 'br'])('%s: refused at the 1 MiB limit with a typed error', async (name) => {
    const server = servers[name] as BombServer;
    const dav = new DavClient({ trustedUrl: server.url, allowPrivate: true, maxResponseBytes: MiB, resilience: { maxAttempts: 1 } });
    const whole = await failure(dav.request({ method: 'REPORT', url: server.url, body: '<x/>' }));
    expect(whole.code).toBe('PROVIDER_REJECTED');
    expect(whole.details).toMatchObject({ reason: 'response-too-large', limitBytes: MiB });
    const streamed = await failure(
      dav.requestStream({ method: 'REPORT', url: server.url, body: '<x/>' }, async (chunks) => {
        for await (const chunk of chunks) expect(chunk.startsWith('a')).toBe(true);
        return 0;
      }),
    );
    expect(streamed.details).toMatchObject({ reason: 'response-too-large' });
    expect(server.hits).toBe(2);
  });

  it('decodes what the server compressed (a small gzip/deflate/br body reads back whole)', async () => {
    for (const encoding of ['gzip', 'deflate', 'br'] as Encoding[]) {
      const small = await serveBomb(await compressedBomb(encoding, 2 * MiB), encoding);
      try {
        const dav = new DavClient({ trustedUrl: small.url, allowPrivate: true, maxResponseBytes: 4 * MiB, resilience: { maxAttempts: 1 } });
        const answer = await dav.request({ method: 'REPORT', url: small.url, body: '<x/>' });
        expect(answer.body.length, encoding).toBe(2 * MiB);
      } finally {
        await small.close();
      }
    }
  });
});
