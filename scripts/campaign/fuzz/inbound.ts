/**
 * Malformed requests to a running calsync HTTP app: the REST API (no key, wrong key, a valid key, a
 * valid session cookie), the Graph and WebDAV-Push webhooks, the `/ws` WebSocket and raw garbage on
 * the socket. Every request is built to be refused — unknown ids, bodies that break the schema, wrong
 * types and encodings — so any change to the store is a finding. Counts answers ≥ 500 and requests
 * that got no answer within the time limit (hangs).
 */
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { request, WebSocket } from 'undici';
import { HOSTILE_QUERY_VALUES, HOSTILE_SEGMENTS, Rng } from './random.js';

export interface InboundTarget {
  baseUrl: string;
  /** A valid API key of the seeded tenant. */
  key: string;
  /** A valid session cookie (`calsync_session=…`). */
  sessionCookie: string;
  /** `METHOD /path/{param}` templates from the OpenAPI document. */
  routes: { method: string; path: string }[];
}

export interface InboundTally {
  requests: number;
  fiveXx: number;
  hangs: number;
  /** Requests the server cut off (a connection closed early, e.g. after a 413): not findings. */
  cutOff: number;
  byStatus: Map<number, number>;
  samples5xx: string[];
  samplesHang: string[];
}

interface Shot {
  label: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer | string;
}

const auths = (t: InboundTarget, rng: Rng): Record<string, string> =>
  rng.pick<Record<string, string>>([
    {},
    { authorization: 'Bearer csk_wrong_key_000000000000' },
    { authorization: `Bearer ${t.key}` },
    { authorization: `Bearer ${t.key}` },
    { authorization: 'Bearer' },
    { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
    { authorization: `Bearer ${'k'.repeat(2_000)}` },
    { cookie: t.sessionCookie },
    { cookie: t.sessionCookie },
    { cookie: 'calsync_session=forged-session-id' },
    { cookie: `calsync_session=${'s'.repeat(600)}; other=1` },
  ]);

function deepJson(depth: number, open = '[', close = ']'): string {
  return open.repeat(depth) + close.repeat(depth);
}

/** A body that no route may accept: each variant breaks JSON, the schema, or the edge's rules. */
function badBody(rng: Rng): { body: Buffer | string; type?: string; encoding?: string } {
  const unknown = `zz_fuzz_${rng.int(1e6)}`;
  switch (rng.int(14)) {
    case 0:
      return { body: rng.bytes(rng.int(2_000)), type: 'application/json' };
    case 1:
      return { body: '{"title": "unterminated', type: 'application/json' };
    case 2:
      return { body: rng.pick(['[]', '1', '"s"', 'null', 'true', '[{"a":1}]']), type: 'application/json' };
    case 3:
      return { body: deepJson(rng.pick([100, 5_000, 100_000])), type: 'application/json' };
    case 4:
      return { body: JSON.stringify({ [unknown]: rng.text(), title: 42, start: { $gt: '' } }), type: 'application/json' };
    case 5:
      return { body: JSON.stringify({ ['k\u0000']: 1, title: `t\u0000${rng.text()}` }), type: 'application/json' };
    case 6:
      return { body: `{"${unknown}":"${'x'.repeat(1_100_000)}"}`, type: 'application/json' };
    case 7:
      return { body: JSON.stringify({ __proto__: { polluted: true }, constructor: { prototype: { polluted: true } }, [unknown]: 1 }).replace('"polluted"', '"polluted"'), type: 'application/json' };
    case 8:
      return { body: JSON.stringify({ title: 'x', [unknown]: true }), type: rng.pick(['text/plain', 'text/html', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml']) };
    case 9:
      return { body: gzipSync(Buffer.alloc(2_000_000)), type: 'application/json', encoding: 'gzip' };
    case 10:
      return { body: `{"a":${'1'.repeat(400)}e99999, "${unknown}": 1}`, type: 'application/json' };
    case 11:
      return { body: '{"a":"\\ud800\\udc00\\uDFFF", "b":"\\u0000", "' + unknown + '":1}', type: 'application/json; charset=utf-16' };
    case 12:
      return { body: JSON.stringify({ title: '', start: 'not-a-time', end: '9999-99-99', key: 1, name: ['x'], url: 'javascript:alert(1)', [unknown]: null }), type: 'application/json' };
    default:
      return { body: Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d, 0x00]), type: 'application/json' };
  }
}

function fill(path: string, rng: Rng): string {
  return path.replace(/\{[^}]+\}/g, () => rng.pick(HOSTILE_SEGMENTS) || 'x');
}

function query(rng: Rng): string {
  if (rng.chance(0.5)) return '';
  const names = ['limit', 'after', 'includeDeleted', 'status', 'calendarId', 'integrationId', 'hubEventId', '__proto__', 'a[b]', 'token', 'ticket', 'key'];
  const parts: string[] = [];
  for (let i = 0, n = 1 + rng.int(4); i < n; i += 1) parts.push(`${encodeURIComponent(rng.pick(names))}=${rng.pick(HOSTILE_QUERY_VALUES)}`);
  return `?${parts.join('&')}`;
}

function apiShot(t: InboundTarget, rng: Rng): Shot {
  const route = rng.pick(t.routes);
  const headers = { ...auths(t, rng) };
  const shot: Shot = { label: `${route.method} ${route.path}`, method: route.method, path: `${fill(route.path, rng)}${query(rng)}`, headers };
  // A route with no parameter that writes (POST /events, /integrations/caldav, /session…) only ever gets a broken body.
  if (route.method !== 'GET' && route.method !== 'DELETE' && route.method !== 'HEAD') {
    const b = badBody(rng);
    shot.body = b.body;
    if (b.type) headers['content-type'] = b.type;
    if (b.encoding) headers['content-encoding'] = b.encoding;
  } else if (rng.chance(0.1)) {
    shot.body = rng.bytes(100);
    headers['content-type'] = 'application/json';
  }
  return shot;
}

function graphShot(rng: Rng): Shot {
  const path = rng.pick(['/webhooks/graph/notify', '/webhooks/graph/lifecycle']);
  const q = rng.pick([
    '',
    '?t=t1',
    `?t=${rng.pick(HOSTILE_SEGMENTS)}&c=${rng.pick(HOSTILE_SEGMENTS)}`,
    `?validationToken=${rng.pick(HOSTILE_QUERY_VALUES)}`,
    `?validationToken=${encodeURIComponent('<script>alert(1)</script>')}`,
    '?t=tenant&c=calendar',
  ]);
  const notification = { subscriptionId: rng.pick(['sub-x', rng.text(), 'a'.repeat(600)]), clientState: rng.text(), changeType: rng.pick(['updated', 'created', rng.text()]), resource: rng.text(200), lifecycleEvent: rng.pick(['missed', 'subscriptionRemoved', 'x']) };
  const body = rng.pick<Buffer | string>([
    JSON.stringify({ value: [notification] }),
    JSON.stringify({ value: Array.from({ length: 1_001 }, () => notification) }),
    JSON.stringify({ value: 'x' }),
    deepJson(50_000, '{"value":', '}').slice(0, 200_000),
    rng.bytes(rng.int(4_000)),
    '',
    JSON.stringify({ value: [{ ...notification, subscriptionId: 's\u0000' }] }),
    'x'.repeat(300 * 1024),
  ]);
  const type = rng.pick([undefined, 'application/json', 'application/json; charset=utf-8', 'text/html', 'text/plain', 'application/jsonp', 'APPLICATION/JSON;charset=latin1']);
  return { label: `POST ${path}`, method: 'POST', path: `${path}${q}`, headers: type ? { 'content-type': type } : {}, body };
}

function pushShot(rng: Rng): Shot {
  const id = rng.pick([`t.c.${'s'.repeat(43)}`, 'a.b', rng.pick(HOSTILE_SEGMENTS), `${'x'.repeat(64)}.${'y'.repeat(64)}.${'z'.repeat(43)}`, 'a.b.c.d', '']);
  const headers: Record<string, string> = {};
  const type = rng.pick([undefined, 'application/octet-stream', 'application/json', 'text/plain']);
  if (type) headers['content-type'] = type;
  const encoding = rng.pick([undefined, 'aes128gcm', 'aesgcm', 'gzip']);
  if (encoding) headers['content-encoding'] = encoding;
  if (rng.chance(0.7)) headers.authorization = rng.pick(['vapid t=x, k=y', `vapid t=${'a'.repeat(4_000)}, k=${'b'.repeat(100)}`, 'Bearer x', 'vapid', `WebPush ${rng.text()}`.replace(/[^\x20-\x7e]/g, '?')]);
  return { label: 'POST /webhooks/webdav-push/*', method: 'POST', path: `/webhooks/webdav-push/${id}`, headers, body: rng.bytes(rng.pick([0, 16, 100, 4_096, 9_000])) };
}

function otherShot(rng: Rng): Shot {
  const path = rng.pick(['/', '/dashboard', '/dashboard/assets/..%2Fplugin.ts', '/dashboard/assets/%00', '/docs/json', '/healthz', '/readyz', '/metrics', '//api/v1//events', '/api/v1/', '/%', '/api/v2/events', '/ws', `/${rng.pick(HOSTILE_SEGMENTS)}`]);
  return { label: `GET ${path.slice(0, 40)}`, method: rng.pick(['GET', 'POST', 'PUT', 'OPTIONS', 'TRACE', 'PATCH']), path: `${path}${query(rng)}`, headers: {} };
}

async function send(base: string, shot: Shot, timeoutMs: number, tally: InboundTally): Promise<void> {
  tally.requests += 1;
  try {
    const res = await request(`${base}${shot.path}`, {
      method: shot.method as 'GET',
      headers: shot.headers,
      ...(shot.body !== undefined ? { body: shot.body } : {}),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    await res.body.dump({ limit: 4 * 1024 * 1024 });
    tally.byStatus.set(res.statusCode, (tally.byStatus.get(res.statusCode) ?? 0) + 1);
    if (res.statusCode >= 500) {
      tally.fiveXx += 1;
      if (tally.samples5xx.length < 20) tally.samples5xx.push(`${res.statusCode} ${shot.label} ${shot.path.slice(0, 80)}`);
    }
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
      tally.hangs += 1;
      if (tally.samplesHang.length < 20) tally.samplesHang.push(`${shot.label} ${shot.path.slice(0, 80)}`);
    } else if (code === 'UND_ERR_INVALID_ARG' || (err instanceof TypeError && /header|URL|path/i.test(err.message))) {
      // The client refused to send it (an invalid header or path): not a request.
      tally.requests -= 1;
    } else {
      tally.cutOff += 1;
    }
  }
}

/** A WebSocket attempt: upgrade with hostile credentials, and when it opens, garbage frames. */
async function wsAttempt(t: InboundTarget, rng: Rng, timeoutMs: number, tally: InboundTally): Promise<void> {
  tally.requests += 1;
  const wsBase = t.baseUrl.replace(/^http/, 'ws');
  const variant = rng.int(5);
  const url = variant === 0 ? `${wsBase}/ws?ticket=${rng.pick(HOSTILE_QUERY_VALUES)}` : variant === 1 ? `${wsBase}/ws?token=${encodeURIComponent(t.key)}` : `${wsBase}/ws`;
  const headers = variant === 2 ? { authorization: `Bearer ${t.key}` } : variant === 3 ? { cookie: t.sessionCookie } : variant === 4 ? auths(t, rng) : {};
  await new Promise<void>((resolve) => {
    const socket = new WebSocket(url, { headers });
    const timer = setTimeout(() => {
      tally.hangs += 1;
      if (tally.samplesHang.length < 20) tally.samplesHang.push(`WS ${url.slice(0, 60)}`);
      socket.close();
      resolve();
    }, timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    socket.addEventListener('open', () => {
      for (let i = 0; i < 5; i += 1) socket.send(rng.chance(0.5) ? rng.text(2_000) : new Uint8Array(rng.bytes(rng.int(70_000))));
      socket.close();
    });
    socket.addEventListener('close', done);
    socket.addEventListener('error', done);
  });
}

/** Garbage on the TCP socket: broken request lines, bad framing, oversized headers, invalid upgrade frames. */
async function rawAttempt(t: InboundTarget, rng: Rng, timeoutMs: number, tally: InboundTally): Promise<void> {
  tally.requests += 1;
  const { hostname, port } = new URL(t.baseUrl);
  const payload = rng.pick<Buffer | string>([
    'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
    'POST /api/v1/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\nzzzz\r\n',
    `GET /${'a'.repeat(70_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'h'.repeat(20_000)}\r\n\r\n`,
    'GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\u0000b\r\n\r\n',
    'BREW /pot HTCPCP/1.0\r\n\r\n',
    rng.bytes(500),
    'POST /webhooks/graph/notify?t=a&c=b HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffff\r\n',
    `GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nAuthorization: Bearer ${t.key}\r\n\r\n\u0082\u00ff${'x'.repeat(100)}`,
  ]);
  await new Promise<void>((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let answered = false;
    const timer = setTimeout(() => {
      if (!answered) {
        tally.hangs += 1;
        if (tally.samplesHang.length < 20) tally.samplesHang.push(`raw ${String(payload).slice(0, 40)}`);
      }
      socket.destroy();
      resolve();
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      if (!answered) {
        answered = true;
        const status = /^HTTP\/1\.1 (\d{3})/.exec(chunk.toString('latin1'))?.[1];
        if (status && Number(status) >= 500) {
          tally.fiveXx += 1;
          if (tally.samples5xx.length < 20) tally.samples5xx.push(`${status} raw ${String(payload).slice(0, 40)}`);
        }
      }
    });
    const end = (): void => {
      clearTimeout(timer);
      // A server that closes the connection without a word has answered too.
      answered = true;
      resolve();
    };
    socket.on('close', end);
    socket.on('error', end);
    socket.on('connect', () => socket.end(payload));
  });
}

export async function fuzzInbound(t: InboundTarget, opts: { count: number; seed: number; concurrency: number; timeoutMs: number; deadline: number }): Promise<InboundTally> {
  const tally: InboundTally = { requests: 0, fiveXx: 0, hangs: 0, cutOff: 0, byStatus: new Map(), samples5xx: [], samplesHang: [] };
  let issued = 0;
  const worker = async (w: number): Promise<void> => {
    const rng = new Rng(opts.seed * 1000 + w);
    while (issued < opts.count && Date.now() < opts.deadline) {
      issued += 1;
      const roll = rng.int(100);
      if (roll < 55) await send(t.baseUrl, apiShot(t, rng), opts.timeoutMs, tally);
      else if (roll < 75) await send(t.baseUrl, graphShot(rng), opts.timeoutMs, tally);
      else if (roll < 85) await send(t.baseUrl, pushShot(rng), opts.timeoutMs, tally);
      else if (roll < 90) await send(t.baseUrl, otherShot(rng), opts.timeoutMs, tally);
      else if (roll < 96) await wsAttempt(t, rng, opts.timeoutMs, tally);
      else await rawAttempt(t, rng, opts.timeoutMs, tally);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, (_, w) => worker(w)));
  return tally;
}
