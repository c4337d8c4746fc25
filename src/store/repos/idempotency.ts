/**
 * First answers to writes sent with an `Idempotency-Key` (see `IdempotencyRepo`). `save` runs in the
 * write's own transaction: the write and its answer commit together or not at all. Two requests with the
 * same key at once: on PostgreSQL the second insert waits for the first transaction and then finds its
 * row; on SQLite transactions run one at a time. Either way the second gets the first's answer back and
 * its caller rolls its own write back.
 */
import type { RepoContext } from '../context.js';
import { nowIso } from '../context.js';
import { fromJson, toJson } from '../json.js';
import type { IdempotencyRepo, IdempotentAnswer } from '../types.js';

export class SqlIdempotencyRepo implements IdempotencyRepo {
  constructor(private readonly ctx: RepoContext) {}

  async get(tenantId: string, key: string): Promise<IdempotentAnswer | undefined> {
    const row = await this.ctx.db().selectFrom('idempotency_keys').selectAll().where('tenant_id', '=', tenantId).where('key', '=', key).executeTakeFirst();
    return row && { requestHash: row.request_hash, status: row.status, body: fromJson<unknown>(row.response, 'idempotency_keys.response'), createdAt: row.created_at };
  }

  async save(tenantId: string, key: string, answer: Omit<IdempotentAnswer, 'createdAt'>): Promise<IdempotentAnswer | undefined> {
    const inserted = await this.ctx
      .db()
      .insertInto('idempotency_keys')
      .values({ tenant_id: tenantId, key, request_hash: answer.requestHash, status: answer.status, response: toJson(answer.body), created_at: nowIso(this.ctx) })
      .onConflict((oc) => oc.columns(['tenant_id', 'key']).doNothing())
      .executeTakeFirst();
    if ((inserted.numInsertedOrUpdatedRows ?? 0n) > 0n) return undefined;
    return this.get(tenantId, key);
  }

  async expire(before: string): Promise<number> {
    const result = await this.ctx.db().deleteFrom('idempotency_keys').where('created_at', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
