/**
 * JSON batching (concepts/json-batching.md): at most 20 requests, unique ids, a Content-Type header
 * with any body, `dependsOn` ordering and 424 for dependants of a failure. Each inner request is
 * replayed through the full pipeline (auth, faults, throttling), so it is throttled on its own as
 * on Graph. Independent requests run in waves of `batchConcurrency`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type EmulatorContext, header } from '../context.js';
import { badRequest } from '../graph-error.js';
import { INNER_HEADER } from '../hooks.js';

const MAX_REQUESTS = 20;
const FORWARDED_HEADERS = ['content-type', 'retry-after', 'location', 'etag', 'preference-applied'];

interface InnerRequest {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  dependsOn: string[];
}

interface InnerResponse {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

function parseRequests(body: unknown): InnerRequest[] {
  const requests = (body as { requests?: unknown } | undefined)?.requests;
  if (!Array.isArray(requests)) throw badRequest('Invalid batch payload format.');
  if (requests.length > MAX_REQUESTS) throw badRequest(`The number of batch requests exceeds the maximum of ${MAX_REQUESTS}.`);
  const ids = new Set<string>();
  const parsed = requests.map((r: Record<string, unknown>): InnerRequest => {
    const id = r?.id;
    if (typeof id !== 'string' || id === '' || typeof r.method !== 'string' || typeof r.url !== 'string') throw badRequest('Invalid batch payload format.');
    if (ids.has(id)) throw badRequest(`Batch request contains duplicate id '${id}'.`);
    ids.add(id);
    if (/^https?:/i.test(r.url)) throw badRequest(`Request '${id}': the url must be relative to the version, e.g. '/me/events'.`);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries((r.headers ?? {}) as Record<string, unknown>)) headers[k.toLowerCase()] = String(v);
    if (r.body !== undefined && !headers['content-type']) throw badRequest(`Write request id : ${id} does not contain Content-Type header or body.`);
    const dependsOn = Array.isArray(r.dependsOn) ? r.dependsOn.map(String) : [];
    return { id, method: r.method.toUpperCase(), url: r.url.startsWith('/') ? r.url : `/${r.url}`, headers, body: r.body, dependsOn };
  });
  for (const r of parsed) for (const d of r.dependsOn) if (!ids.has(d) || d === r.id) throw badRequest(`Request '${r.id}' depends on unknown request '${d}'.`);
  return parsed;
}

export function registerBatchRoute(app: FastifyInstance, ctx: EmulatorContext, batchConcurrency: number): void {
  app.post('/v1.0/$batch', async (req) => {
    const pending = parseRequests(req.body);
    const done = new Map<string, InnerResponse>();
    // Bounded: each pass completes at least one request, or the remaining ones form a cycle.
    while (pending.length > 0) {
      const ready = pending.filter((r) => r.dependsOn.every((d) => done.has(d)));
      if (ready.length === 0) throw badRequest('The dependsOn graph of the batch contains a cycle.');
      for (const r of ready) pending.splice(pending.indexOf(r), 1);
      const failedDeps = ready.filter((r) => r.dependsOn.some((d) => !isSuccess(done.get(d))));
      for (const r of failedDeps) done.set(r.id, failedDependency(r.id));
      const runnable = ready.filter((r) => !failedDeps.includes(r));
      for (let i = 0; i < runnable.length; i += batchConcurrency) {
        const wave = runnable.slice(i, i + batchConcurrency);
        const results = await Promise.all(wave.map((r) => runInner(app, ctx, req, r)));
        for (const res of results) done.set(res.id, res);
      }
    }
    return { responses: [...done.values()] };
  });
}

const isSuccess = (r: InnerResponse | undefined): boolean => r !== undefined && r.status >= 200 && r.status < 300;

function failedDependency(id: string): InnerResponse {
  return {
    id,
    status: 424,
    headers: { 'content-type': 'application/json' },
    body: { error: { code: 'FailedDependency', message: 'The request could not be completed because a request it depends on failed.' } },
  };
}

async function runInner(app: FastifyInstance, ctx: EmulatorContext, outer: FastifyRequest, r: InnerRequest): Promise<InnerResponse> {
  const headers: Record<string, string> = { ...r.headers, host: outer.headers.host ?? 'localhost' };
  for (const name of ['authorization', 'x-emulator-admin', 'x-emulator-user']) {
    const value = header(outer, name);
    if (value !== undefined) headers[name] = value;
  }
  headers[INNER_HEADER] = ctx.adminSecret;
  const res = await app.inject({
    method: r.method as 'GET',
    url: `/v1.0${r.url}`,
    headers,
    ...(r.body === undefined ? {} : { payload: typeof r.body === 'string' ? r.body : JSON.stringify(r.body) }),
  });
  const out: InnerResponse = { id: r.id, status: res.statusCode, headers: {} };
  for (const name of FORWARDED_HEADERS) {
    const v = res.headers[name];
    if (v !== undefined) out.headers[name === 'retry-after' ? 'Retry-After' : name === 'content-type' ? 'Content-Type' : name] = String(v);
  }
  if (res.body !== '') {
    try {
      out.body = JSON.parse(res.body);
    } catch {
      out.body = res.body;
    }
  }
  return out;
}

