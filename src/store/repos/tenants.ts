import type { Selectable } from 'kysely';
import { NotFoundError } from '../../errors.js';
import { newId } from '../../util/ids.js';
import type { RepoContext } from '../context.js';
import { nowIso } from '../context.js';
import type { TenantsTable } from '../schema.js';
import { toNumber } from '../schema.js';
import type { Tenant, TenantRepo } from '../types.js';

export const DEFAULT_TENANT_NAME = 'default';

function toTenant(row: Pick<Selectable<TenantsTable>, 'id' | 'name' | 'created_at'>): Tenant {
  return { id: row.id, name: row.name, createdAt: row.created_at };
}

const COLUMNS = ['id', 'name', 'created_at'] as const;

export class SqlTenantRepo implements TenantRepo {
  constructor(private readonly ctx: RepoContext) {}

  async ensureDefault(): Promise<Tenant> {
    const existing = await this.getByName(DEFAULT_TENANT_NAME);
    if (existing) return existing;
    // Two processes may start at once: the loser's insert does nothing and both read the winner's row.
    await this.ctx
      .db()
      .insertInto('tenants')
      .values({ id: newId(this.ctx.clock), name: DEFAULT_TENANT_NAME, seq: 0, created_at: nowIso(this.ctx) })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    const created = await this.getByName(DEFAULT_TENANT_NAME);
    if (!created) throw new NotFoundError('tenant', DEFAULT_TENANT_NAME);
    return created;
  }

  async create(name: string): Promise<Tenant> {
    const row = { id: newId(this.ctx.clock), name, seq: 0, created_at: nowIso(this.ctx) };
    await this.ctx.db().insertInto('tenants').values(row).execute();
    return toTenant(row);
  }

  async get(id: string): Promise<Tenant | undefined> {
    const row = await this.ctx.db().selectFrom('tenants').select(COLUMNS).where('id', '=', id).executeTakeFirst();
    return row && toTenant(row);
  }

  async getByName(name: string): Promise<Tenant | undefined> {
    const row = await this.ctx.db().selectFrom('tenants').select(COLUMNS).where('name', '=', name).executeTakeFirst();
    return row && toTenant(row);
  }

  async list(): Promise<Tenant[]> {
    const rows = await this.ctx.db().selectFrom('tenants').select(COLUMNS).orderBy('created_at').orderBy('id').execute();
    return rows.map(toTenant);
  }
}

/**
 * Reserves `count` consecutive hub-event seqs for a tenant and returns the first. The UPDATE takes the
 * tenant row's lock until commit, so seqs become visible in the order they were handed out: a reader of
 * `changedSince(n)` can never miss a smaller seq that commits later.
 */
export async function reserveSeqs(ctx: RepoContext, tenantId: string, count: number): Promise<number> {
  const row = await ctx
    .db()
    .updateTable('tenants')
    .set((eb) => ({ seq: eb('seq', '+', count) }))
    .where('id', '=', tenantId)
    .returning('seq')
    .executeTakeFirst();
  if (!row) throw new NotFoundError('tenant', tenantId);
  return toNumber(row.seq) - count + 1;
}

export async function currentSeq(ctx: RepoContext, tenantId: string): Promise<number> {
  const row = await ctx.db().selectFrom('tenants').select('seq').where('id', '=', tenantId).executeTakeFirst();
  return row ? toNumber(row.seq) : 0;
}
