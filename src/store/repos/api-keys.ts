import type { Selectable } from 'kysely';
import { API_KEY_DISPLAY_CHARS, API_KEY_PREFIX, generateApiKey, hashApiKey, safeEqual } from '../../util/crypto.js';
import { newId } from '../../util/ids.js';
import type { RepoContext } from '../context.js';
import { nowIso } from '../context.js';
import { opt } from '../json.js';
import type { ApiKeysTable } from '../schema.js';
import type { ApiKeyRecord, ApiKeyRepo, Tenant } from '../types.js';

/** `lastUsedAt` is refreshed at most this often, so authenticated reads do not each become a write. */
const LAST_USED_RESOLUTION_MS = 60_000;

type Row = Omit<Selectable<ApiKeysTable>, 'key_hash'>;
const COLUMNS = ['id', 'tenant_id', 'label', 'prefix', 'created_at', 'last_used_at'] as const;

function toRecord(row: Row): ApiKeyRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    label: row.label,
    prefix: row.prefix,
    createdAt: row.created_at,
    ...opt('lastUsedAt', row.last_used_at),
  };
}

export class SqlApiKeyRepo implements ApiKeyRepo {
  constructor(private readonly ctx: RepoContext) {}

  async create(tenantId: string, label: string): Promise<{ key: string; record: ApiKeyRecord }> {
    const key = generateApiKey();
    const row = {
      id: newId(this.ctx.clock),
      tenant_id: tenantId,
      label,
      prefix: key.slice(0, API_KEY_DISPLAY_CHARS),
      key_hash: hashApiKey(key),
      created_at: nowIso(this.ctx),
      last_used_at: null,
    };
    await this.ctx.db().insertInto('api_keys').values(row).execute();
    return { key, record: toRecord(row) };
  }

  async verify(key: string): Promise<{ tenant: Tenant; record: ApiKeyRecord } | undefined> {
    if (!key.startsWith(API_KEY_PREFIX)) return undefined;
    const hash = hashApiKey(key);
    // The lookup is by the hash of a 256-bit key, so its timing reveals nothing usable; the final
    // comparison is constant-time anyway.
    const row = await this.ctx
      .db()
      .selectFrom('api_keys')
      .innerJoin('tenants', 'tenants.id', 'api_keys.tenant_id')
      .select([
        'api_keys.id',
        'api_keys.tenant_id',
        'api_keys.label',
        'api_keys.prefix',
        'api_keys.key_hash',
        'api_keys.created_at',
        'api_keys.last_used_at',
        'tenants.name as tenant_name',
        'tenants.created_at as tenant_created_at',
      ])
      .where('api_keys.key_hash', '=', hash)
      .executeTakeFirst();
    if (!row || !safeEqual(row.key_hash, hash)) return undefined;

    const now = this.ctx.clock.now();
    let lastUsed = row.last_used_at;
    if (lastUsed === null || now - Date.parse(lastUsed) >= LAST_USED_RESOLUTION_MS) {
      lastUsed = new Date(now).toISOString();
      await this.ctx.db().updateTable('api_keys').set({ last_used_at: lastUsed }).where('id', '=', row.id).execute();
    }
    return {
      tenant: { id: row.tenant_id, name: row.tenant_name, createdAt: row.tenant_created_at },
      record: toRecord({ ...row, last_used_at: lastUsed }),
    };
  }

  async list(tenantId: string): Promise<ApiKeyRecord[]> {
    const rows = await this.ctx.db().selectFrom('api_keys').select(COLUMNS).where('tenant_id', '=', tenantId).orderBy('created_at').orderBy('id').execute();
    return rows.map(toRecord);
  }

  async revoke(tenantId: string, id: string): Promise<boolean> {
    const result = await this.ctx.db().deleteFrom('api_keys').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
