/** WedSync's own ids of hub events (`externalId`, unique per tenant), in `hub_event_external_ids`. */
import { StoreConflictError } from '../../errors.js';
import type { RepoContext } from '../context.js';
import { chunks, IN_LIST_CHUNK } from '../context.js';
import type { ExternalIdRepo } from '../types.js';

export class SqlExternalIdRepo implements ExternalIdRepo {
  constructor(private readonly ctx: RepoContext) {}

  async find(tenantId: string, externalId: string): Promise<string | undefined> {
    const row = await this.ctx.db().selectFrom('hub_event_external_ids').select('hub_event_id').where('tenant_id', '=', tenantId).where('external_id', '=', externalId).executeTakeFirst();
    return row?.hub_event_id;
  }

  async assign(tenantId: string, hubEventId: string, externalId: string): Promise<void> {
    await this.ctx.atomic(async () => {
      const db = this.ctx.db();
      const owner = await this.find(tenantId, externalId);
      if (owner === hubEventId) return;
      if (owner !== undefined) throw new StoreConflictError(`externalId ${externalId} belongs to event ${owner}`, { externalId, hubEventId: owner });
      // An event has one external id: a new one replaces the old.
      await db.deleteFrom('hub_event_external_ids').where('tenant_id', '=', tenantId).where('hub_event_id', '=', hubEventId).execute();
      const inserted = await db
        .insertInto('hub_event_external_ids')
        .values({ tenant_id: tenantId, external_id: externalId, hub_event_id: hubEventId })
        .onConflict((oc) => oc.columns(['tenant_id', 'external_id']).doNothing())
        .executeTakeFirst();
      // A concurrent writer took it between our read and our insert.
      if ((inserted.numInsertedOrUpdatedRows ?? 0n) === 0n) throw new StoreConflictError(`externalId ${externalId} was just given to another event`, { externalId });
    });
  }

  async of(tenantId: string, hubEventIds: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (const part of chunks([...new Set(hubEventIds)], IN_LIST_CHUNK)) {
      const rows = await this.ctx.db().selectFrom('hub_event_external_ids').select(['hub_event_id', 'external_id']).where('tenant_id', '=', tenantId).where('hub_event_id', 'in', part).execute();
      for (const r of rows) found.set(r.hub_event_id, r.external_id);
    }
    return found;
  }
}
