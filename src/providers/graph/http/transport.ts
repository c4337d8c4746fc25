/**
 * The HTTP function the client sends through. Injectable (tests pass a fake), with a default on undici
 * that can trust an extra CA — the emulator's self-signed certificate — without touching the process
 * environment (NODE_EXTRA_CA_CERTS would trust it for every connection of the process).
 */
import { Agent, fetch as undiciFetch } from 'undici';

export interface FetchInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

/** The part of a fetch Response the client reads. */
export interface FetchResponse {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

export type FetchLike = (url: string, init: FetchInit) => Promise<FetchResponse>;

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
  const agent = new Agent({ connections: opts.connections ?? 8, ...(opts.ca ? { connect: { ca: opts.ca } } : {}) });
  return {
    fetch: async (url, init) => undiciFetch(url, { ...init, dispatcher: agent }),
    close: () => agent.close(),
  };
}
