import type { Selectable, Updateable } from 'kysely';
import { NotFoundError } from '../../errors.js';
import { open, seal } from '../../util/crypto.js';
import { newId } from '../../util/ids.js';
import type { RepoContext } from '../context.js';
import { nowIso } from '../context.js';
import { fromJson, opt, toJson } from '../json.js';
import type { IntegrationsTable } from '../schema.js';
import { POLL_NOW } from '../schema.js';
import type { ConflictRules, Integration, IntegrationRepo, IntegrationStatus, ProviderKind } from '../types.js';

type Row = Omit<Selectable<IntegrationsTable>, 'credentials'>;
// Everything but `credentials`: the sealed blob is read only by getCredentials.
const COLUMNS = ['id', 'tenant_id', 'provider', 'name', 'config', 'status', 'status_reason', 'conflict_rules', 'created_at', 'updated_at'] as const;

/** Credentials are sealed with the integration id as associated data: a blob moved to another row will not open. */
function credentialContext(id: string): string {
  return `integration:${id}`;
}

function toIntegration(row: Row): Integration {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    provider: row.provider as ProviderKind,
    name: row.name,
    config: fromJson<Record<string, unknown>>(row.config, 'integrations.config'),
    status: row.status as IntegrationStatus,
    ...opt('statusReason', row.status_reason),
    conflictRules: fromJson<ConflictRules>(row.conflict_rules, 'integrations.conflict_rules'),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export class SqlIntegrationRepo implements IntegrationRepo {
  constructor(private readonly ctx: RepoContext) {}

  async create(
    tenantId: string,
    input: { provider: ProviderKind; name: string; config: Record<string, unknown>; credentials: Record<string, unknown>; conflictRules?: ConflictRules },
  ): Promise<Integration> {
    const id = newId(this.ctx.clock);
    const now = nowIso(this.ctx);
    const row = {
      id,
      tenant_id: tenantId,
      provider: input.provider,
      name: input.name,
      config: toJson(input.config),
      status: 'active',
      status_reason: null,
      conflict_rules: toJson(input.conflictRules ?? {}),
      created_at: now,
      updated_at: now,
    };
    await this.ctx
      .db()
      .insertInto('integrations')
      .values({ ...row, credentials: seal(this.ctx.secretKey, toJson(input.credentials), credentialContext(id)) })
      .execute();
    return toIntegration(row);
  }

  async get(tenantId: string, id: string): Promise<Integration | undefined> {
    const row = await this.ctx.db().selectFrom('integrations').select(COLUMNS).where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return row && toIntegration(row);
  }

  async getByName(tenantId: string, name: string): Promise<Integration | undefined> {
    const row = await this.ctx.db().selectFrom('integrations').select(COLUMNS).where('tenant_id', '=', tenantId).where('name', '=', name).executeTakeFirst();
    return row && toIntegration(row);
  }

  async list(tenantId: string): Promise<Integration[]> {
    const rows = await this.ctx.db().selectFrom('integrations').select(COLUMNS).where('tenant_id', '=', tenantId).orderBy('created_at').orderBy('id').execute();
    return rows.map(toIntegration);
  }

  async update(
    tenantId: string,
    id: string,
    patch: Partial<Pick<Integration, 'name' | 'config' | 'status' | 'statusReason' | 'conflictRules'>>,
  ): Promise<Integration> {
    const set: Updateable<IntegrationsTable> = { updated_at: nowIso(this.ctx) };
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.config !== undefined) set.config = toJson(patch.config);
    if (patch.status !== undefined) set.status = patch.status;
    // A present-but-undefined statusReason clears it (an integration returning to `active`).
    if ('statusReason' in patch) set.status_reason = patch.statusReason ?? null;
    if (patch.conflictRules !== undefined) set.conflict_rules = toJson(patch.conflictRules);
    // One transaction: the integration and its calendars' schedule change together.
    return this.ctx.atomic(async () => {
      const row = await this.ctx
        .db()
        .updateTable('integrations')
        .set(set)
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .returning(COLUMNS)
        .executeTakeFirst();
      if (!row) throw new NotFoundError('integration', id);
      // Back to active, or new settings (a poll interval): its calendars may be due sooner than scheduled.
      if (patch.status !== undefined || patch.config !== undefined) {
        await this.ctx.db().updateTable('calendars').set({ next_poll_at: POLL_NOW }).where('tenant_id', '=', tenantId).where('integration_id', '=', id).execute();
      }
      return toIntegration(row);
    });
  }

  async getCredentials(tenantId: string, id: string): Promise<Record<string, unknown>> {
    const row = await this.ctx.db().selectFrom('integrations').select('credentials').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError('integration', id);
    return fromJson<Record<string, unknown>>(open(this.ctx.secretKey, row.credentials, credentialContext(id)), 'integrations.credentials');
  }

  async setCredentials(tenantId: string, id: string, credentials: Record<string, unknown>): Promise<void> {
    const result = await this.ctx
      .db()
      .updateTable('integrations')
      .set({ credentials: seal(this.ctx.secretKey, toJson(credentials), credentialContext(id)), updated_at: nowIso(this.ctx) })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) throw new NotFoundError('integration', id);
  }

  /** Calendars, links, sync state and conflicts go with it through ON DELETE CASCADE (one statement, atomic). */
  async delete(tenantId: string, id: string): Promise<boolean> {
    const result = await this.ctx.db().deleteFrom('integrations').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
