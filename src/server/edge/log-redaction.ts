/**
 * What the request log may say about a URL. API keys, tickets, OAuth codes and every `*secret*` value
 * are replaced by `[REDACTED]` in the query, and the secret segment of a WebDAV-Push webhook path is
 * cut, before pino writes a line: a log file must never be a key store (issue 10, finding 4).
 */
import type { FastifyRequest } from 'fastify';
import { WEBDAV_PUSH_PATH } from '../../service/webdav-push/push-urls.js';

export const REDACTED = '[REDACTED]';

/** Query parameter names whose values are secrets (compared lower-cased). */
const SECRET_NAMES: ReadonlySet<string> = new Set(['token', 'key', 'apikey', 'api_key', 'access_token', 'refresh_token', 'ticket', 'code', 'state', 'password', 'session', 'sig', 'signature']);

export function isSecretParam(name: string): boolean {
  const n = name.toLowerCase();
  return SECRET_NAMES.has(n) || n.includes('secret') || n.includes('password') || n.endsWith('token') || n.endsWith('key');
}

/** The part of `path` that may be logged: a push resource id `<tenant>.<calendar>.<secret>` loses its secret. */
function redactPath(path: string): string {
  const prefix = `${WEBDAV_PUSH_PATH}/`;
  if (!path.startsWith(prefix)) return path;
  const id = path.slice(prefix.length);
  const cut = id.lastIndexOf('.');
  return `${prefix}${cut >= 0 ? id.slice(0, cut + 1) : ''}${REDACTED}`;
}

/** `url` (path + query, as in a request line) with every secret replaced. Never throws. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  const path = redactPath(q >= 0 ? url.slice(0, q) : url);
  if (q < 0) return path;
  const parts = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawName = eq >= 0 ? pair.slice(0, eq) : pair;
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      } catch {
        // A malformed escape: judge the raw name, which is what the router saw.
      }
      return eq >= 0 && isSecretParam(name) ? `${rawName}=${REDACTED}` : pair;
    });
  return `${path}?${parts.join('&')}`;
}

/** pino serializer for Fastify's `req` (replaces Fastify's own, which logs `req.url` verbatim). */
export function requestSerializer(req: FastifyRequest): Record<string, unknown> {
  return {
    method: req.method,
    url: redactUrl(req.url),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}
