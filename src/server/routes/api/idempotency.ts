/**
 * `Idempotency-Key` on the event writes (POST/PATCH/DELETE /api/v1/events…). The write and its answer
 * are stored in one transaction, so a request retried after a lost answer, a timeout or a crash gets
 * the first answer back (`Idempotent-Replayed: true`) and changes nothing twice — also when both copies
 * arrive at once. The same key with a different request (method, path or body) is refused with 422
 * `IDEMPOTENCY_KEY_REUSED`. Failed requests store nothing: retrying one tries again. Keys are kept for
 * 24 hours (`expireIdempotencyKeys`).
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CalsyncError, ValidationError } from '../../../errors.js';
import { stableStringify } from '../../../model/hash.js';
import type { IdempotentAnswer, Store } from '../../../store/types.js';
import { isoNow, type Clock } from '../../../util/clock.js';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const KEY_TTL_MS = 24 * 60 * 60 * 1000;
const KEY_SHAPE = /^[\x21-\x7e]{1,255}$/;

/** The OpenAPI description of the header, for the routes that take it. */
export const idempotencyHeader = {
  [IDEMPOTENCY_HEADER]: { type: 'string', maxLength: 255, description: 'Any unique string (a UUID): a retried request with the same key returns the first answer and changes nothing again' },
} as const;

export interface Answer {
  status: number;
  body: unknown;
}

class Replay extends Error {
  constructor(readonly answer: IdempotentAnswer) {
    super('idempotent replay');
  }
}

function requestHash(req: FastifyRequest): string {
  const path = req.url.split('?')[0] ?? req.url;
  return createHash('sha256').update(`${req.method} ${path}\n${stableStringify(req.body ?? null)}`).digest('base64url');
}

function replay(reply: FastifyReply, stored: IdempotentAnswer, hash: string): FastifyReply {
  if (stored.requestHash !== hash) throw new CalsyncError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used for a different request; use a new key for a new request');
  return reply.code(stored.status).header('idempotent-replayed', 'true').send(stored.body);
}

/** Runs `write` (its store calls join one transaction with the stored answer) at most once per key. */
export async function idempotent(store: Store, req: FastifyRequest, reply: FastifyReply, write: () => Promise<Answer>): Promise<FastifyReply> {
  const raw = req.headers[IDEMPOTENCY_HEADER];
  if (raw === undefined) {
    const answer = await write();
    return reply.code(answer.status).send(answer.body);
  }
  const key = Array.isArray(raw) ? raw[0] : raw;
  if (key === undefined || !KEY_SHAPE.test(key)) throw new ValidationError('Idempotency-Key must be 1-255 visible ASCII characters');
  const tenantId = req.tenant.id;
  const hash = requestHash(req);
  const stored = await store.idempotency.get(tenantId, key);
  if (stored) return replay(reply, stored, hash);
  try {
    const answer = await store.transaction(async (tx) => {
      const result = await write();
      const first = await tx.idempotency.save(tenantId, key, { requestHash: hash, ...result });
      // Another request with this key committed first: roll ours back and answer with its answer.
      if (first) throw new Replay(first);
      return result;
    });
    return reply.code(answer.status).send(answer.body);
  } catch (err) {
    if (err instanceof Replay) return replay(reply, err.answer, hash);
    // Our write failed because the first copy of this request already made it (e.g. a version check): its answer is the answer.
    const first = await store.idempotency.get(tenantId, key);
    if (first) return replay(reply, first, hash);
    throw err;
  }
}

/** Forgets the answers older than the keys' lifetime; returns how many. */
export async function expireIdempotencyKeys(store: Store, clock: Clock): Promise<number> {
  return store.idempotency.expire(isoNow({ now: () => clock.now() - KEY_TTL_MS }));
}
