/**
 * Defaults of the byte cap: a body read whole (Graph pages, CalDAV PROPFIND Depth 0, GET, error bodies)
 * is held as one string and parsed whole, so its default cap is small; a streamed CalDAV listing is read
 * item by item and keeps the larger streamed cap. With the old single 256 MiB default the fuzz
 * campaign's 64 MiB gzip bombs were read whole, a few side by side: ~1 GB RSS.
 */
import { describe, expect, it } from 'vitest';
import { CalsyncError } from '../../src/errors.js';
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_STREAMED_BYTES } from '../../src/net/capped-body.js';
import { DavClient } from '../../src/providers/caldav/dav-client.js';
import { GraphClient } from '../../src/providers/graph/client.js';

const MiB = 1024 * 1024;

/** A body of `total` bytes in 1 MiB chunks, made as it is read; counts what was pulled. */
function streamedBody(total: number): { body: ReadableStream<Uint8Array>; pulled: () => number } {
  let sent = 0;
  const chunk = new Uint8Array(MiB).fill(0x20);
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= total) return controller.close();
      sent += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  return { body, pulled: () => sent };
}

async function failure(p: Promise<unknown>): Promise<CalsyncError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof CalsyncError) return err;
    throw err;
  }
  throw new Error('expected a failure');
}

describe('default body caps', () => {
  it('whole bodies default to at most 32 MiB; streamed listings keep a larger cap', () => {
    expect(DEFAULT_MAX_BODY_BYTES).toBeLessThanOrEqual(32 * MiB);
    expect(DEFAULT_MAX_STREAMED_BYTES).toBeGreaterThan(DEFAULT_MAX_BODY_BYTES);
  });

  it('a Graph client with default options stops reading a 128 MiB body at the whole-body cap', async () => {
    const { body, pulled } = streamedBody(128 * MiB);
    const client = new GraphClient({ baseUrl: 'https://graph.test/v1.0', getToken: async () => 't', fetch: async () => new Response(body, { headers: { 'content-type': 'application/json' } }), maxAttempts: 1, sleep: async () => undefined });
    const err = await failure(client.json({ method: 'GET', url: '/me/calendars' }));
    expect(JSON.stringify(err.details ?? {}) + err.message).toMatch(/response-too-large|limit/);
    expect(pulled()).toBeLessThanOrEqual(DEFAULT_MAX_BODY_BYTES + 2 * MiB);
  });

  it('a CalDAV request read whole stops at the whole-body cap by default', async () => {
    const { body, pulled } = streamedBody(128 * MiB);
    const dav = new DavClient({ trustedUrl: 'https://cal.example.com/', lookup: async () => ['17.253.144.10'], fetch: async () => new Response(body, { status: 207 }), resilience: { maxAttempts: 1 } });
    const err = await failure(dav.request({ method: 'PROPFIND', url: 'https://cal.example.com/cal/', body: '<x/>' }));
    expect(err.details).toMatchObject({ reason: 'response-too-large', limitBytes: DEFAULT_MAX_BODY_BYTES });
    expect(pulled()).toBeLessThanOrEqual(DEFAULT_MAX_BODY_BYTES + 2 * MiB);
  });

  it('a streamed CalDAV listing may run past the whole-body cap (it is read item by item)', async () => {
    const { body } = streamedBody(40 * MiB);
    const dav = new DavClient({ trustedUrl: 'https://cal.example.com/', lookup: async () => ['17.253.144.10'], fetch: async () => new Response(body, { status: 207 }), resilience: { maxAttempts: 1 } });
    const answer = await dav.requestStream({ method: 'REPORT', url: 'https://cal.example.com/cal/', body: '<x/>' }, async (chunks) => {
      let n = 0;
      for await (const chunk of chunks) n += chunk.length;
      return n;
    });
    expect(answer.result).toBe(40 * MiB);
  });
});
