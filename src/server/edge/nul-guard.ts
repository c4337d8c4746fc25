/**
 * NUL characters are refused at the edge (issue 10, finding 9): PostgreSQL cannot store U+0000 in text
 * and answered 500 with its own message; SQLite stored it. Path parameters, query values and JSON body
 * strings (keys too) are checked on every route before validation, and a request holding one is answered
 * 400 `VALIDATION` — the store never sees it. Webhooks that parse their own raw body check it there.
 */
import type { FastifyInstance } from 'fastify';

/** True when any string in `value` (object keys included) holds U+0000. Iterative: no recursion limit. */
export function containsNul(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return true;
    } else if (Array.isArray(v)) {
      for (const item of v) stack.push(item);
    } else if (v !== null && typeof v === 'object' && !Buffer.isBuffer(v)) {
      for (const [k, item] of Object.entries(v)) {
        if (k.includes('\u0000')) return true;
        stack.push(item);
      }
    }
  }
  return false;
}

export function registerNulGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (req, reply) => {
    const where = containsNul(req.params) ? 'path' : containsNul(req.query) ? 'query' : typeof req.body === 'object' && containsNul(req.body) ? 'body' : undefined;
    if (where === undefined) return undefined;
    return reply.code(400).send({ error: { code: 'VALIDATION', message: `the request ${where} holds a NUL character` } });
  });
}
