/**
 * Security headers on every answer (issue 10, finding 11): `X-Content-Type-Options: nosniff` always;
 * `Cache-Control: no-store` on the API, `/ws` and `/metrics` (answers for one tenant or operator must
 * not sit in a shared cache); `Strict-Transport-Security` when the request came over https (directly,
 * or through a proxy Fastify trusts, `CALSYNC_TRUST_PROXY`); a locked-down CSP and no Referer for API
 * JSON. The dashboard sets its own CSP (`dashboard/plugin.ts`), which is kept.
 */
import type { FastifyInstance } from 'fastify';

export const HSTS = 'max-age=31536000; includeSubDomains';
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

const PRIVATE_PREFIXES = ['/api/', '/ws', '/metrics'];

export function registerSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (req, reply, payload) => {
    void reply.header('x-content-type-options', 'nosniff');
    if (req.protocol === 'https') void reply.header('strict-transport-security', HSTS);
    const path = req.url;
    if (PRIVATE_PREFIXES.some((p) => path.startsWith(p)) || req.apiKey) {
      void reply.header('cache-control', 'no-store');
      if (!reply.hasHeader('content-security-policy')) void reply.header('content-security-policy', API_CSP);
      if (!reply.hasHeader('referrer-policy')) void reply.header('referrer-policy', 'no-referrer');
    }
    return payload;
  });
}
