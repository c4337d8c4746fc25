/** How the dashboard's files are served: types, the CSP, caching, the redirect, nothing else. */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_CSP, dashboardPlugin, loadAssets } from '../../src/server/dashboard/plugin.js';

let app: FastifyInstance;
beforeAll(async () => {
  app = Fastify();
  await app.register(dashboardPlugin);
  await app.ready();
});
afterAll(() => app.close());

describe('dashboard plugin', () => {
  it('serves the page with a strict CSP and no referrer', async () => {
    const res = await app.inject('/dashboard');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toBe(DASHBOARD_CSP);
    expect(DASHBOARD_CSP).toContain("default-src 'self'");
    expect(DASHBOARD_CSP).toContain("connect-src 'self' ws: wss:");
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.body).toContain('<script type="module" src="/dashboard/assets/main.js">');
  });

  it('serves scripts, styles and the icon with their content types', async () => {
    expect((await app.inject('/dashboard/assets/main.js')).headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await app.inject('/dashboard/assets/dashboard.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await app.inject('/dashboard/assets/favicon.svg')).headers['content-type']).toBe('image/svg+xml');
  });

  it('answers 304 to a matching ETag', async () => {
    const first = await app.inject('/dashboard/assets/main.js');
    const again = await app.inject({ url: '/dashboard/assets/main.js', headers: { 'if-none-match': String(first.headers.etag) } });
    expect(again.statusCode).toBe(304);
  });

  it('serves only the files it loaded: unknown names and traversal are 404', async () => {
    expect((await app.inject('/dashboard/assets/nope.js')).statusCode).toBe(404);
    expect((await app.inject('/dashboard/assets/..%2Fplugin.ts')).statusCode).toBe(404);
    expect((await app.inject('/dashboard/assets/%2E%2E%2F%2E%2E%2Fapp.ts')).statusCode).toBe(404);
  });

  it('redirects / to the dashboard, keeping the query', async () => {
    const res = await app.inject('/?key=abc');
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/dashboard?key=abc');
  });

  it('every module the page imports is an asset (there is no build step to catch a typo)', () => {
    const assets = loadAssets();
    for (const [name, asset] of assets) {
      if (!name.endsWith('.js')) continue;
      for (const [, imported] of asset.body.toString().matchAll(/from '\.\/([^']+)'/g)) expect(assets.has(imported!), `${name} imports ${imported}`).toBe(true);
    }
  });
});
