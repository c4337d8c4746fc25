/**
 * The one HTTP function type every outbound caller goes through (CalDAV, Graph, MSAL, notifications):
 * a WHATWG `fetch` shape, so tests can answer with plain `Response` objects.
 */
export interface FetchInit {
  method?: string;
  headers?: HeadersInit;
  /** Only text bodies are sent. */
  body?: string;
  /** Always 'manual' on the node:http fetch (it never follows redirects). */
  redirect?: RequestRedirect;
  signal?: AbortSignal;
}

export type FetchLike = (url: string, init: FetchInit) => Promise<Response>;
