/**
 * The HTTP function the Graph client sends through: the one outbound edge (src/net/http-fetch.ts) on
 * its own keep-alive agent, trusting an extra CA — the emulator's self-signed certificate — for this
 * agent only (NODE_EXTRA_CA_CERTS would trust it for every connection of the process). Injectable:
 * tests pass a fake that answers with plain `Response`s.
 *
 * Graph's hosts come from configuration and from Graph's own links, not from users, so the address
 * guard is off (the emulator runs on loopback); bodies are still read through the byte cap.
 */
import { httpFetch } from '../../../net/http-fetch.js';
import type { FetchLike } from '../../../net/types.js';

export interface TransportOptions {
  /** Extra CA certificate(s) in PEM to trust (the emulator's). */
  ca?: string | string[];
  /** Connections kept per origin; more than the concurrency cap would never be used. */
  connections?: number;
}

export interface Transport {
  fetch: FetchLike;
  close(): Promise<void>;
}

export function createTransport(opts: TransportOptions = {}): Transport {
  const fetch = httpFetch({ guard: false, maxSockets: opts.connections ?? 8, ...(opts.ca ? { ca: opts.ca } : {}) });
  return {
    fetch,
    close: async () => fetch.close(),
  };
}
