/**
 * MSAL's HTTP client on the one outbound edge (src/net/http-fetch.ts): its own agent, so the identity
 * endpoints of the Graph emulator (self-signed HTTPS) can be trusted through one extra CA, like the
 * Graph client's transport, without a process-wide setting; bodies read through the byte cap.
 */
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { readCappedText } from '../../net/capped-body.js';
import { httpFetch } from '../../net/http-fetch.js';

/** Token and metadata answers are a few KB; anything near this is not one. */
const MAX_IDENTITY_BODY_BYTES = 1024 * 1024;

export function msalNetworkModule(ca?: string): INetworkModule & { close(): Promise<void> } {
  // The authority is configuration, not user input, and the emulator runs on loopback: no address guard.
  const fetch = httpFetch({ guard: false, ...(ca ? { ca } : {}) });
  const send = async <T>(method: 'GET' | 'POST', url: string, options: NetworkRequestOptions = {}, timeoutMs = 30_000): Promise<NetworkResponse<T>> => {
    const signal = AbortSignal.timeout(timeoutMs);
    const res = await fetch(url, {
      method,
      signal,
      ...(options.headers ? { headers: options.headers } : {}),
      ...(options.body === undefined ? {} : { body: options.body }),
    });
    const headers: Record<string, string> = {};
    res.headers.forEach((value, key) => {
      headers[key] = value;
    });
    const text = await readCappedText(res, { maxBytes: MAX_IDENTITY_BODY_BYTES, signal });
    let body: unknown = {};
    try {
      body = text === '' ? {} : JSON.parse(text);
    } catch {
      // MSAL reads error fields from the body; a non-JSON page becomes an empty object and the status.
    }
    return { headers, body: body as T, status: res.status };
  };
  return {
    sendGetRequestAsync: <T>(url: string, options?: NetworkRequestOptions, timeout?: number) => send<T>('GET', url, options, timeout),
    sendPostRequestAsync: <T>(url: string, options?: NetworkRequestOptions) => send<T>('POST', url, options),
    close: async () => fetch.close(),
  };
}
