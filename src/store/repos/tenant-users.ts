/**
 * Tenant users (people who sign in to the dashboard) and one-time sign-in links. Emails are stored
 * lower-cased and unique across tenants, so a sign-in needs no tenant name. A link's token is 32 random
 * bytes of which only the SHA-256 is stored; redeeming is one compare-and-set (`used_at is null`), so a
 * link works once even when two browsers race for it.
 */
import { randomBytes } from 'node:crypto';
import type { Selectable } from 'kysely';
import { CalsyncError } from '../../errors.js';
import { sha256Hex } from '../../util/crypto.js';
import { newId } from '../../util/ids.js';
import type { RepoContext } from '../context.js';
import { nowIso } from '../context.js';
import { opt } from '../json.js';
import type { TenantUsersTable } from '../schema.js';
import type { SignInLinkRepo, Tenant, TenantUser, TenantUserRepo } from '../types.js';

type Row = Omit<Selectable<TenantUsersTable>, 'password_hash'>;
const COLUMNS = ['id', 'tenant_id', 'email', 'name', 'created_at', 'last_sign_in_at'] as const;

function toUser(row: Row): TenantUser {
  return { id: row.id, tenantId: row.tenant_id, email: row.email, ...opt('name', row.name), createdAt: row.created_at, ...opt('lastSignInAt', row.last_sign_in_at) };
}

export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

export class SqlTenantUserRepo implements TenantUserRepo {
  constructor(private readonly ctx: RepoContext) {}

  async create(tenantId: string, input: { email: string; name?: string; passwordHash?: string }): Promise<TenantUser> {
    const email = normalizeEmail(input.email);
    const row = { id: newId(this.ctx.clock), tenant_id: tenantId, email, name: input.name ?? null, password_hash: input.passwordHash ?? null, created_at: nowIso(this.ctx), last_sign_in_at: null };
    const inserted = await this.ctx.db().insertInto('tenant_users').values(row).onConflict((oc) => oc.column('email').doNothing()).executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) throw new CalsyncError('VALIDATION', `a user with the email ${email} exists already`, { retryable: false });
    return toUser(row);
  }

  async get(tenantId: string, id: string): Promise<TenantUser | undefined> {
    const row = await this.ctx.db().selectFrom('tenant_users').select(COLUMNS).where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return row && toUser(row);
  }

  private joined() {
    return this.ctx
      .db()
      .selectFrom('tenant_users')
      .innerJoin('tenants', 'tenants.id', 'tenant_users.tenant_id')
      .select([
        'tenant_users.id',
        'tenant_users.tenant_id',
        'tenant_users.email',
        'tenant_users.name',
        'tenant_users.created_at',
        'tenant_users.last_sign_in_at',
        'tenant_users.password_hash',
        'tenants.name as tenant_name',
        'tenants.created_at as tenant_created_at',
      ]);
  }

  async findForSignIn(email: string): Promise<{ user: TenantUser; tenant: Tenant; passwordHash?: string } | undefined> {
    const row = await this.joined().where('tenant_users.email', '=', normalizeEmail(email)).executeTakeFirst();
    if (!row) return undefined;
    return { user: toUser(row), tenant: { id: row.tenant_id, name: row.tenant_name, createdAt: row.tenant_created_at }, ...opt('passwordHash', row.password_hash) };
  }

  async getWithTenant(id: string): Promise<{ user: TenantUser; tenant: Tenant } | undefined> {
    const row = await this.joined().where('tenant_users.id', '=', id).executeTakeFirst();
    return row && { user: toUser(row), tenant: { id: row.tenant_id, name: row.tenant_name, createdAt: row.tenant_created_at } };
  }

  async list(tenantId: string): Promise<TenantUser[]> {
    const rows = await this.ctx.db().selectFrom('tenant_users').select(COLUMNS).where('tenant_id', '=', tenantId).orderBy('email').execute();
    return rows.map(toUser);
  }

  async setPassword(tenantId: string, id: string, passwordHash: string): Promise<void> {
    const result = await this.ctx.db().updateTable('tenant_users').set({ password_hash: passwordHash }).where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    if (result.numUpdatedRows === 0n) throw new CalsyncError('NOT_FOUND', `no user ${id}`, { retryable: false });
  }

  async touchSignIn(id: string): Promise<void> {
    await this.ctx.db().updateTable('tenant_users').set({ last_sign_in_at: nowIso(this.ctx) }).where('id', '=', id).execute();
  }

  async remove(tenantId: string, id: string): Promise<boolean> {
    const result = await this.ctx.db().deleteFrom('tenant_users').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}

/** Sign-in link tokens carry this prefix, so a pasted one is recognisable (and never taken for an API key). */
export const SIGN_IN_TOKEN_PREFIX = 'csl_';

export class SqlSignInLinkRepo implements SignInLinkRepo {
  constructor(private readonly ctx: RepoContext) {}

  async issue(tenantId: string, input: { userId?: string; expiresAt: string }): Promise<{ token: string }> {
    const token = SIGN_IN_TOKEN_PREFIX + randomBytes(32).toString('base64url');
    await this.ctx
      .db()
      .insertInto('sign_in_links')
      .values({ id: newId(this.ctx.clock), tenant_id: tenantId, user_id: input.userId ?? null, token_hash: sha256Hex(token), expires_at: input.expiresAt, used_at: null, created_at: nowIso(this.ctx) })
      .execute();
    return { token };
  }

  async redeem(token: string): Promise<{ tenant: Tenant; userId?: string } | undefined> {
    if (!token.startsWith(SIGN_IN_TOKEN_PREFIX) || token.length > 200) return undefined;
    const now = nowIso(this.ctx);
    const hash = sha256Hex(token);
    // Spent first (compare-and-set on used_at), read after: a second redeemer updates nothing.
    const spent = await this.ctx.db().updateTable('sign_in_links').set({ used_at: now }).where('token_hash', '=', hash).where('used_at', 'is', null).where('expires_at', '>', now).executeTakeFirst();
    if (spent.numUpdatedRows === 0n) return undefined;
    const row = await this.ctx
      .db()
      .selectFrom('sign_in_links')
      .innerJoin('tenants', 'tenants.id', 'sign_in_links.tenant_id')
      .select(['sign_in_links.user_id', 'tenants.id as tenant_id', 'tenants.name as tenant_name', 'tenants.created_at as tenant_created_at'])
      .where('sign_in_links.token_hash', '=', hash)
      .executeTakeFirst();
    if (!row) return undefined;
    return { tenant: { id: row.tenant_id, name: row.tenant_name, createdAt: row.tenant_created_at }, ...opt('userId', row.user_id) };
  }
}
