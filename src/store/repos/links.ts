/**
 * Links: hub event ⇄ remote item, with the merge base. Updates and deletes are compare-and-set on the
 * etag the caller last saw (pimsync's status table): a sync that lost a race fails loudly instead of
 * overwriting the winner's base.
 */
import type { Selectable, Updateable } from 'kysely';
import type { CalendarEvent } from '../../model/event.js';
import { NotFoundError, StoreConflictError } from '../../errors.js';
import { canonicalWithHash } from '../../model/hash.js';
import { newId } from '../../util/ids.js';
import type { RepoContext } from '../context.js';
import { bulkInsert } from '../bulk-insert.js';
import { nowIso } from '../context.js';
import { fromJson, fromJsonOpt, toJson } from '../json.js';
import type { LinksTable } from '../schema.js';
import type { CanonicalEvent, LastPush, Link, LinkRepo, WriteIntent } from '../types.js';

type Row = Selectable<LinksTable>;
const LINK_COLUMNS = ['id', 'tenant_id', 'hub_event_id', 'calendar_id', 'remote_id', 'etag', 'base', 'base_hash', 'last_synced_at', 'last_push'] as const;
export type NewLink = Omit<Link, 'id' | 'tenantId' | 'baseHash' | 'lastSyncedAt' | 'writeIntent'> & { baseCanonical?: CanonicalEvent };

/**
 * The base is stored in its canonical JSON form and hashed from that same text: one serialization per
 * link. `baseHash` equals `hashEvent(base)` (canonical-json.test.ts and the conformance suite check it).
 */
function serializeBase(base: CalendarEvent): { base: string; base_hash: string } {
  const { text, hash } = canonicalWithHash(base);
  return { base: text, base_hash: hash };
}

/** `base` supplies the content when the caller already has it (a row just written), saving a parse. */
function toLink(row: Row, base?: CalendarEvent): Link {
  const writeIntent = fromJsonOpt<WriteIntent>(row.write_intent ?? null, 'links.write_intent');
  const lastPush = fromJsonOpt<LastPush>(row.last_push ?? null, 'links.last_push');
  return {
    id: row.id,
    tenantId: row.tenant_id,
    hubEventId: row.hub_event_id,
    calendarId: row.calendar_id,
    remoteId: row.remote_id,
    etag: row.etag,
    base: base ?? fromJson<CalendarEvent>(row.base, 'links.base'),
    baseHash: row.base_hash,
    lastSyncedAt: row.last_synced_at,
    ...(writeIntent ? { writeIntent } : {}),
    ...(lastPush ? { lastPush } : {}),
  };
}

export class SqlLinkRepo implements LinkRepo {
  constructor(private readonly ctx: RepoContext) {}

  private select(tenantId: string) {
    return this.ctx.db().selectFrom('links').selectAll().where('tenant_id', '=', tenantId);
  }

  async get(tenantId: string, id: string): Promise<Link | undefined> {
    const row = await this.select(tenantId).where('id', '=', id).executeTakeFirst();
    return row && toLink(row);
  }

  async listByCalendar(tenantId: string, calendarId: string): Promise<Link[]> {
    const rows = await this.select(tenantId).where('calendar_id', '=', calendarId).orderBy('remote_id').execute();
    return rows.map((row) => toLink(row));
  }

  async countByCalendar(tenantId: string, calendarId: string): Promise<number> {
    const row = await this.ctx
      .db()
      .selectFrom('links')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('tenant_id', '=', tenantId)
      .where('calendar_id', '=', calendarId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async getByRemote(tenantId: string, calendarId: string, remoteId: string): Promise<Link | undefined> {
    const row = await this.select(tenantId).where('calendar_id', '=', calendarId).where('remote_id', '=', remoteId).executeTakeFirst();
    return row && toLink(row);
  }

  async getByHubEvent(tenantId: string, calendarId: string, hubEventId: string): Promise<Link | undefined> {
    const row = await this.select(tenantId).where('calendar_id', '=', calendarId).where('hub_event_id', '=', hubEventId).executeTakeFirst();
    return row && toLink(row);
  }

  async listByHubEvent(tenantId: string, hubEventId: string): Promise<Link[]> {
    const rows = await this.select(tenantId).where('hub_event_id', '=', hubEventId).orderBy('calendar_id').execute();
    return rows.map((row) => toLink(row));
  }

  async create(tenantId: string, input: NewLink): Promise<Link> {
    const [link] = await this.createMany(tenantId, [input]);
    if (!link) throw new StoreConflictError('link create wrote nothing');
    return link;
  }

  /** Unique (calendar, remote) / (calendar, hub event) → StoreConflictError; a foreign calendar or event → STORE_NOT_FOUND. */
  async createMany(tenantId: string, inputs: readonly NewLink[]): Promise<Link[]> {
    if (inputs.length === 0) return [];
    const now = nowIso(this.ctx);
    const rows: Row[] = inputs.map((input) => ({
      id: newId(this.ctx.clock),
      tenant_id: tenantId,
      hub_event_id: input.hubEventId,
      calendar_id: input.calendarId,
      remote_id: input.remoteId,
      etag: input.etag,
      ...(input.baseCanonical ? { base: input.baseCanonical.text, base_hash: input.baseCanonical.hash } : serializeBase(input.base)),
      last_synced_at: now,
      write_intent: null,
      last_push: input.lastPush ? toJson(input.lastPush) : null,
    }));
    await this.ctx.atomic(() => bulkInsert(this.ctx.db(), this.ctx.dialect, 'links', LINK_COLUMNS, rows));
    return rows.map((row, i) => toLink(row, (inputs[i] as NewLink).base));
  }

  async update(tenantId: string, id: string, expectedEtag: string, patch: Partial<Pick<Link, 'remoteId' | 'etag' | 'base'>> & { lastPush?: LastPush | null }): Promise<Link> {
    // A saved link settles whatever write its intent recorded.
    const set: Updateable<LinksTable> = { last_synced_at: nowIso(this.ctx), write_intent: null };
    if (patch.lastPush !== undefined) set.last_push = patch.lastPush === null ? null : toJson(patch.lastPush);
    if (patch.remoteId !== undefined) set.remote_id = patch.remoteId;
    if (patch.etag !== undefined) set.etag = patch.etag;
    if (patch.base !== undefined) Object.assign(set, serializeBase(patch.base));
    const row = await this.ctx
      .db()
      .updateTable('links')
      .set(set)
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('etag', '=', expectedEtag)
      .returningAll()
      .executeTakeFirst();
    if (!row) await this.explainMiss(tenantId, id, expectedEtag);
    return toLink(row as Row);
  }

  async setWriteIntent(tenantId: string, id: string, expectedEtag: string, intent: WriteIntent | undefined): Promise<Link> {
    const row = await this.ctx
      .db()
      .updateTable('links')
      .set({ write_intent: intent === undefined ? null : toJson(intent) })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('etag', '=', expectedEtag)
      .returningAll()
      .executeTakeFirst();
    if (!row) await this.explainMiss(tenantId, id, expectedEtag);
    return toLink(row as Row);
  }

  async delete(tenantId: string, id: string, expectedEtag: string): Promise<void> {
    const result = await this.ctx
      .db()
      .deleteFrom('links')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('etag', '=', expectedEtag)
      .executeTakeFirst();
    if (result.numDeletedRows === 0n) await this.explainMiss(tenantId, id, expectedEtag);
  }

  /** A CAS matched no row: either the link is gone (not found) or its etag moved (conflict). Always throws. */
  private async explainMiss(tenantId: string, id: string, expectedEtag: string): Promise<never> {
    const current = await this.get(tenantId, id);
    if (!current) throw new NotFoundError('link', id);
    throw new StoreConflictError(`link ${id} etag is ${current.etag}, expected ${expectedEtag}`, { id, expected: expectedEtag, actual: current.etag });
  }
}
