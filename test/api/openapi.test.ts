import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeApi, type ApiHarness } from './harness.js';

let h: ApiHarness;
beforeEach(async () => {
  h = await makeApi();
});
afterEach(async () => {
  await h.close();
});

const ROUTES = [
  'get /api/v1/integrations',
  'get /api/v1/integrations/{id}',
  'post /api/v1/integrations/caldav',
  'post /api/v1/integrations/icloud',
  'patch /api/v1/integrations/{id}',
  'delete /api/v1/integrations/{id}',
  'get /api/v1/integrations/{id}/calendars',
  'get /api/v1/calendars',
  'get /api/v1/calendars/{id}',
  'patch /api/v1/calendars/{id}',
  'get /api/v1/events',
  'post /api/v1/events',
  'get /api/v1/events/{id}',
  'patch /api/v1/events/{id}',
  'delete /api/v1/events/{id}',
  'get /api/v1/events/{id}/history',
  'post /api/v1/events/{id}/restore',
  'post /api/v1/calendars/{id}/sync',
  'post /api/v1/integrations/{id}/sync',
  'get /api/v1/jobs/{id}',
  'get /api/v1/conflicts',
  'get /api/v1/conflicts/{id}',
  'post /api/v1/conflicts/{id}/resolve',
  'get /api/v1/dead-letters',
  'post /api/v1/dead-letters/{id}/replay',
  'delete /api/v1/dead-letters/{id}',
  'get /api/v1/changes',
  'get /api/v1/events/external/{externalId}',
];

type Operation = { tags?: string[]; security?: unknown[]; requestBody?: unknown; responses: Record<string, { content?: Record<string, { schema?: unknown }> }> };

describe('OpenAPI at /docs', () => {
  it('gives every documented route a tag and a summary, and leaves internal routes out', async () => {
    const doc = (await h.app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, Record<string, { tags?: string[]; summary?: string }>> };
    const paths = Object.keys(doc.paths);
    expect(paths.filter((p) => p.startsWith('/dashboard') || p.startsWith('/webhooks') || p === '/' || p === '/ws' || p === '/metrics')).toEqual([]);
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        expect(op.tags?.length, `${method} ${path}`).toBe(1);
        expect(op.summary, `${method} ${path}`).toBeTruthy();
      }
    }
    expect(paths).toContain('/readyz');
  });

  it('documents every API route with its auth, body and error responses', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as { openapi: string; paths: Record<string, Record<string, Operation>>; components: { securitySchemes: Record<string, unknown> } };
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    for (const route of ROUTES) expect(documented, route).toContain(route);
    for (const route of ROUTES) {
      const [method, path] = route.split(' ') as [string, string];
      const op = doc.paths[path]![method]!;
      expect(op.security, route).toEqual([{ apiKey: [] }]);
      expect(op.tags, route).toHaveLength(1);
      for (const code of ['400', '401', '404', '413', '500']) expect(op.responses[code]?.content?.['application/json']?.schema, `${route} ${code}`).toBeDefined();
      if (['post', 'patch'].includes(method) && !route.includes('replay')) expect(op.requestBody, route).toBeDefined();
      const success = Object.keys(op.responses).filter((c) => c.startsWith('2'));
      expect(success.length, route).toBeGreaterThan(0);
    }
  });

  it('serves the Swagger UI', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
  });
});
