/** A scripted `fetch` for unit tests: records every request and answers from a handler. */
import type { FetchLike } from '../../src/providers/caldav/dav-client.js';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
}

export type Handler = (req: RecordedRequest) => Response | Promise<Response>;

export interface FakeFetch {
  fetch: FetchLike;
  calls: RecordedRequest[];
}

export function fakeFetch(handler: Handler): FakeFetch {
  const calls: RecordedRequest[] = [];
  const fetch: FetchLike = async (url, init) => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries((init.headers ?? {}) as Record<string, string>)) headers[k.toLowerCase()] = v;
    const req: RecordedRequest = { method: init.method ?? 'GET', url, headers, body: typeof init.body === 'string' ? init.body : undefined };
    calls.push(req);
    const signal = init.signal;
    signal?.throwIfAborted();
    // Like the real fetch, an abort (our timeout) rejects a request the server never answers.
    return new Promise<Response>((resolve, reject) => {
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
      Promise.resolve(handler(req)).then(resolve, reject);
    });
  };
  return { fetch, calls };
}

export function xmlResponse(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: { 'content-type': 'application/xml; charset=utf-8', ...headers } });
}

/** A multistatus document from `<response>` fragments written with the `d:`/`c:`/`cs:`/`ical:` prefixes. */
export function multistatus(responses: string[], extra = ''): string {
  return (
    '<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" ' +
    'xmlns:cs="http://calendarserver.org/ns/" xmlns:ical="http://apple.com/ns/ical/">' +
    responses.join('') +
    extra +
    '</d:multistatus>'
  );
}

export function okResponse(href: string, props: string): string {
  return `<d:response><d:href>${href}</d:href><d:propstat><d:prop>${props}</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`;
}
