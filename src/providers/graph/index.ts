/**
 * The Outlook connector's entry point: a GraphProvider for one mailbox with its own HTTP transport and
 * client (the 4-request concurrency cap is per client, so one client per mailbox).
 */
import type { Clock } from '../../util/clock.js';
import type { GetToken, GraphClientOptions } from './client.js';
import { GraphClient } from './client.js';
import type { GraphProviderOptions } from './graph-provider.js';
import { GraphProvider } from './graph-provider.js';
import { createTransport } from './http/transport.js';

export { GraphAuth, serialQueue } from './auth.js';
export type { ConnectedAccount, GraphAuthOptions, Serialize, TokenCacheStore } from './auth.js';
export { sealedCacheStore } from './sealed-cache-store.js';
export type { SealedTextStore } from './sealed-cache-store.js';
export { GraphClient } from './client.js';
export type { GetToken } from './client.js';
export { GraphProvider } from './graph-provider.js';
export type { GraphProviderOptions } from './graph-provider.js';
export { supportsRecurrence } from './mapping/recurrence-to-graph.js';

export interface GraphConnectionOptions extends Omit<GraphProviderOptions, 'client' | 'onClose'> {
  /** Default `https://graph.microsoft.com/v1.0`. */
  baseUrl?: string;
  /** Usually `GraphAuth.getToken`. */
  getToken: GetToken;
  /** Extra CA to trust (the emulator's certificate). */
  ca?: string;
  /** Retry and timeout settings of the HTTP client. */
  http?: Partial<Omit<GraphClientOptions, 'baseUrl' | 'getToken' | 'fetch' | 'clock'>>;
  clock?: Clock;
}

export function createGraphProvider(opts: GraphConnectionOptions): GraphProvider {
  const { baseUrl, getToken, ca, http, ...providerOptions } = opts;
  const transport = createTransport(ca ? { ca } : {});
  const client = new GraphClient({
    ...http,
    getToken,
    fetch: transport.fetch,
    ...(baseUrl ? { baseUrl } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  return new GraphProvider({ ...providerOptions, client, onClose: () => transport.close() });
}
