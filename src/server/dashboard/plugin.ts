/**
 * The dashboard: a static page (HTML, CSS and plain ES modules in `assets/`, no build step) served at
 * `/dashboard`, with `/` redirecting there. The files are read once at start-up into memory — a
 * handful of small files — so serving them is a map lookup and no request path ever touches the disk
 * (no traversal to guard against). Every response carries a strict Content-Security-Policy: the page
 * loads nothing from anywhere else and talks only to this server (fetch and the `/ws` WebSocket).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

export const ASSETS_DIR = fileURLToPath(new URL('./assets/', import.meta.url));

export const DASHBOARD_CSP = [
  "default-src 'self'",
  "connect-src 'self' ws: wss:",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

/** Every servable file of the assets folder by name; anything with an unknown extension is left out. */
export function loadAssets(dir: string = ASSETS_DIR): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(dir)) {
    const type = CONTENT_TYPES[extname(name)];
    if (!type) continue;
    const body = readFileSync(join(dir, name));
    assets.set(name, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
  }
  return assets;
}

function send(reply: FastifyReply, asset: Asset, ifNoneMatch: string | undefined): FastifyReply {
  reply
    .header('content-security-policy', DASHBOARD_CSP)
    .header('x-content-type-options', 'nosniff')
    // The page may be opened with `?key=…`; never leak that URL to anyone in a Referer.
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-cache')
    .header('etag', asset.etag);
  if (ifNoneMatch === asset.etag) return reply.code(304).send();
  return reply.type(asset.type).send(asset.body);
}

export async function dashboardPlugin(app: FastifyInstance, opts: { assetsDir?: string } = {}): Promise<void> {
  const assets = loadAssets(opts.assetsDir);
  const page = assets.get('index.html');
  if (!page) throw new Error(`dashboard: no index.html in ${opts.assetsDir ?? ASSETS_DIR}`);

  // `/` → `/dashboard`, keeping the query (the demo prints `/?key=…`-style links too).
  app.get('/', async (req, reply) => {
    const query = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
    return reply.redirect(`/dashboard${query}`, 302);
  });
  app.get('/dashboard', async (req, reply) => send(reply, page, req.headers['if-none-match']));
  app.get('/dashboard/', async (req, reply) => send(reply, page, req.headers['if-none-match']));
  app.get<{ Params: { file: string } }>('/dashboard/assets/:file', async (req, reply) => {
    const asset = assets.get(req.params.file);
    if (!asset) return reply.code(404).send({ error: { code: 'NOT_FOUND', message: `no dashboard asset ${req.params.file}` } });
    return send(reply, asset, req.headers['if-none-match']);
  });
}
