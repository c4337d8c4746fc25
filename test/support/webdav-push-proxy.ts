/**
 * A WebDAV-Push server for tests, as a proxy in front of a real Radicale (which has no push of its own):
 * every request is passed through, and the proxy adds what draft-bitfire-webdav-push asks of a server —
 * `webdav-push` in the `DAV:` header, the push properties of calendar collections (`transports` with a
 * VAPID key, `topic`, `supported-triggers`), `push-register` POSTs (201/204 + `Location` + `Expires`,
 * the same push resource updates its registration), DELETE of registration URLs — and when a write to a
 * collection passes through it (or `notify` says another client changed it) it POSTs a real RFC 8291
 * encrypted, VAPID-signed push message with the collection's topic and new sync-token to every live
 * registration of that collection. Faults: `failNextRegister(status)`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DAV, NS, PUSH } from '../../src/providers/caldav/names.js';
import { child, parseXml, type XmlElement } from '../../src/providers/caldav/xml.js';
import { systemClock, type Clock } from '../../src/util/clock.js';
import { encryptWebPush, VapidSigner } from './web-push-sender.js';

export interface PushProxyOptions {
  /** The Radicale behind the proxy. */
  upstream: string;
  clock?: Clock;
  /** Longest registration the proxy grants. Default 3 days (the draft's minimum). */
  maxLifetimeMs?: number;
  /** Advertise a VAPID key and sign messages with it. Default true. */
  vapid?: boolean;
}

export interface ProxyRegistration {
  id: string;
  collection: string;
  pushResource: string;
  publicKey: string;
  authSecret: string;
  expiresAt: number;
}

export interface Delivery {
  pushResource: string;
  status: number;
}

export interface PushProxy {
  url: string;
  /** The VAPID public key the proxy advertises (base64url). */
  vapidPublicKey: string;
  signer: VapidSigner;
  registrations(): ProxyRegistration[];
  deliveries: Delivery[];
  /** The topic of a collection path (`/alice/weddings/`). */
  topicOf(collection: string): string;
  /** Answer the next push-register with this status. */
  failNextRegister(status: number): void;
  /** Another client changed the collection: push to its registrations. */
  notify(collection: string): Promise<void>;
  /** Resolves once every push started so far has been delivered (or failed). */
  settled(): Promise<void>;
  close(): Promise<void>;
}

const COLLECTION = /^\/[^/]+\/[^/]+\/$/;
const WRITES = new Set(['PUT', 'DELETE', 'MOVE', 'COPY', 'PROPPATCH']);
const REGISTRATIONS_PATH = '/push-subscriptions/';

const collectionOf = (path: string): string | undefined => /^(\/[^/]+\/[^/]+\/)/.exec(path)?.[1];
const ownerOf = (collection: string): string => collection.split('/')[1] ?? 'anyone';
const esc = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A PROPFIND naming the push topic (calsync declares the push namespace on every body, so that alone says nothing). */
function asksForPushProperties(body: Buffer): boolean {
  try {
    return child(child(parseXml(body.toString('utf8')), DAV.prop), PUSH.topic) !== undefined;
  } catch {
    return false;
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function davError(res: ServerResponse, status: number, condition: string): void {
  res.writeHead(status, { 'Content-Type': 'application/xml; charset=utf-8' });
  res.end(`<?xml version="1.0" encoding="utf-8"?><d:error xmlns:d="DAV:" xmlns:P="${NS.PUSH}"><P:${condition}/></d:error>`);
}

export async function startPushProxy(options: PushProxyOptions): Promise<PushProxy> {
  const clock = options.clock ?? systemClock;
  const maxLifetimeMs = options.maxLifetimeMs ?? 3 * 24 * 3600_000;
  const signer = new VapidSigner();
  const vapid = options.vapid ?? true;
  const registrations = new Map<string, ProxyRegistration>();
  const deliveries: Delivery[] = [];
  const inFlight = new Set<Promise<void>>();
  let failNext: number | undefined;

  const topicOf = (collection: string): string => createHash('sha256').update(collection).digest('base64url').slice(0, 22);

  async function upstream(method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<Response> {
    return fetch(new URL(path, options.upstream), { method, headers, ...(body && body.length > 0 ? { body: new Uint8Array(body) } : {}), redirect: 'manual' });
  }

  async function syncTokenOf(collection: string): Promise<string | undefined> {
    const answer = await upstream('PROPFIND', collection, {
      Authorization: `Basic ${Buffer.from(`${ownerOf(collection)}:x`).toString('base64')}`,
      Depth: '0',
      'Content-Type': 'application/xml',
    }, Buffer.from('<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:sync-token/></d:prop></d:propfind>'));
    return /<[^>]*sync-token>([^<]+)</.exec(await answer.text())?.[1];
  }

  async function deliver(registration: ProxyRegistration, message: string): Promise<void> {
    const body = encryptWebPush(Buffer.from(message), Buffer.from(registration.publicKey, 'base64url'), Buffer.from(registration.authSecret, 'base64url'));
    let status = 0;
    try {
      const response = await fetch(registration.pushResource, {
        method: 'POST',
        headers: {
          'Content-Encoding': 'aes128gcm',
          'Content-Type': 'application/octet-stream',
          TTL: '3600',
          ...(vapid ? { Authorization: signer.authorization(registration.pushResource, clock.now()) } : {}),
        },
        body: new Uint8Array(body),
      });
      status = response.status;
      await response.arrayBuffer();
    } catch {
      status = -1;
    }
    deliveries.push({ pushResource: registration.pushResource, status });
    // "Removal of Invalid Subscriptions": the push service no longer knows it.
    if (status === 404 || status === 410) registrations.delete(registration.id);
  }

  async function notify(collection: string): Promise<void> {
    const live = [...registrations.values()].filter((r) => r.collection === collection && r.expiresAt > clock.now());
    if (live.length === 0) return;
    const token = await syncTokenOf(collection);
    const message =
      `<?xml version="1.0" encoding="utf-8"?><P:push-message xmlns:d="DAV:" xmlns:P="${NS.PUSH}"><P:topic>${topicOf(collection)}</P:topic>` +
      `<P:content-update>${token ? `<d:sync-token>${esc(token)}</d:sync-token>` : ''}</P:content-update></P:push-message>`;
    await Promise.all(live.map((r) => deliver(r, message)));
  }

  function startNotify(collection: string): void {
    const run = notify(collection).finally(() => inFlight.delete(run));
    inFlight.add(run);
  }

  function propertiesOf(collection: string): string {
    const key = vapid ? `<P:vapid-public-key type="p256ecdsa">${signer.publicKey}</P:vapid-public-key>` : '';
    return (
      `<?xml version="1.0" encoding="utf-8"?><d:multistatus xmlns:d="DAV:" xmlns:P="${NS.PUSH}"><d:response><d:href>${collection}</d:href>` +
      `<d:propstat><d:prop><P:transports><P:web-push>${key}</P:web-push></P:transports><P:topic>${topicOf(collection)}</P:topic>` +
      '<P:supported-triggers><P:content-update><d:depth>1</d:depth></P:content-update><P:property-update><d:depth>0</d:depth></P:property-update></P:supported-triggers>' +
      '</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>'
    );
  }

  /** push-register (draft "Subscription Registration"), or undefined when it is not a valid one. */
  function readRegister(body: Buffer): { pushResource: string; publicKey: string; authSecret: string; expires: number | undefined } | undefined {
    let root: XmlElement;
    try {
      root = parseXml(body.toString('utf8'));
    } catch {
      return undefined;
    }
    if (root.name !== PUSH.pushRegister.clark) return undefined;
    const sub = child(child(root, PUSH.subscription), PUSH.webPushSubscription);
    const pushResource = child(sub, PUSH.pushResource)?.text.trim();
    const key = child(sub, PUSH.subscriptionPublicKey);
    const authSecret = child(sub, PUSH.authSecret)?.text.trim();
    if (!pushResource || !authSecret || key?.attrs.type !== 'p256dh' || child(sub, PUSH.contentEncoding)?.text.trim() !== 'aes128gcm') return undefined;
    if (!child(child(root, PUSH.trigger), PUSH.contentUpdate)) return undefined;
    const expiresText = child(root, PUSH.expires)?.text;
    return { pushResource, publicKey: key.text.trim(), authSecret, expires: expiresText === undefined ? undefined : Date.parse(expiresText) };
  }

  function register(collection: string, body: Buffer, res: ServerResponse): void {
    if (failNext !== undefined) {
      const status = failNext;
      failNext = undefined;
      return davError(res, status, 'push-not-available');
    }
    const input = readRegister(body);
    if (!input) return davError(res, 403, 'invalid-subscription');
    const now = clock.now();
    const expiresAt = Math.min(input.expires ?? Number.POSITIVE_INFINITY, now + maxLifetimeMs);
    const existing = [...registrations.values()].find((r) => r.collection === collection && r.pushResource === input.pushResource);
    const { pushResource, publicKey, authSecret } = input;
    const registration: ProxyRegistration = { id: existing?.id ?? randomBytes(9).toString('base64url'), collection, pushResource, publicKey, authSecret, expiresAt };
    registrations.set(registration.id, registration);
    res.writeHead(existing ? 204 : 201, { Location: `${REGISTRATIONS_PATH}${registration.id}`, Expires: new Date(expiresAt).toUTCString() });
    res.end();
  }

  async function pass(req: IncomingMessage, res: ServerResponse, path: string, body: Buffer): Promise<void> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined || ['host', 'connection', 'content-length', 'transfer-encoding'].includes(name)) continue;
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const answer = await upstream(req.method ?? 'GET', req.url ?? '/', headers, body);
    const out: Record<string, string> = {};
    answer.headers.forEach((value, name) => {
      if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(name)) out[name] = value;
    });
    if (out.dav !== undefined) out.dav = `${out.dav}, webdav-push`;
    const payload = Buffer.from(await answer.arrayBuffer());
    res.writeHead(answer.status, out);
    res.end(payload);
    const collection = collectionOf(path);
    if (collection && WRITES.has(req.method ?? '') && answer.status >= 200 && answer.status < 300) startNotify(collection);
  }

  const server = createServer((req, res) => {
    void (async () => {
      const path = new URL(req.url ?? '/', 'http://proxy').pathname;
      const body = await readBody(req);
      if (req.method === 'DELETE' && path.startsWith(REGISTRATIONS_PATH)) {
        const gone = !registrations.delete(path.slice(REGISTRATIONS_PATH.length));
        res.writeHead(gone ? 404 : 204);
        return res.end();
      }
      if (req.method === 'POST' && COLLECTION.test(path)) return register(path, body, res);
      if (req.method === 'PROPFIND' && COLLECTION.test(path) && asksForPushProperties(body)) {
        res.writeHead(207, { 'Content-Type': 'application/xml; charset=utf-8' });
        return res.end(propertiesOf(path));
      }
      await pass(req, res, path, body);
    })().catch((err: unknown) => {
      res.writeHead(502);
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/`,
    vapidPublicKey: signer.publicKey,
    signer,
    registrations: () => [...registrations.values()],
    deliveries,
    topicOf,
    failNextRegister: (status) => void (failNext = status),
    notify,
    settled: async () => {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

