/**
 * MSAL's HTTP client on undici, so the identity endpoints of the Graph emulator (self-signed HTTPS) can
 * be trusted through one extra CA, like the Graph client's transport, without a process-wide setting.
 */
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { Agent, fetch as undiciFetch } from 'undici';

export function msalNetworkModule(ca?: string): INetworkModule & { close(): Promise<void> } {
  const agent = new Agent(ca ? { connect: { ca } } : {});
  const send = async <T>(method: 'GET' | 'POST', url: string, options: NetworkRequestOptions = {}, timeoutMs = 30_000): Promise<NetworkResponse<T>> => {
    const res = await undiciFetch(url, {
      method,
      dispatcher: agent,
      signal: AbortSignal.timeout(timeoutMs),
      ...(options.headers ? { headers: options.headers } : {}),
      ...(options.body === undefined ? {} : { body: options.body }),
    });
    const headers: Record<string, string> = {};
    res.headers.forEach((value, key) => {
      headers[key] = value;
    });
    const text = await res.text();
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
    close: () => agent.close(),
  };
}
