/**
 * How a person signs in to the dashboard (issue 13): with the email and password of a tenant user, or
 * with a one-time link the CLI prints (`calsync signin-link`). API keys stay for machines. Pure service
 * functions over the store; the HTTP route turns their answers into a session cookie.
 */
import { CalsyncError } from '../errors.js';
import type { Store, Tenant, TenantUser } from '../store/types.js';
import type { Clock } from '../util/clock.js';
import { PASSWORD_MAX, PASSWORD_MIN, dummyHash, hashPassword, needsRehash, verifyPassword } from '../util/password.js';

export interface SignedIn {
  tenant: Tenant;
  user?: TenantUser;
}

/** A one-time link is good this long after it is printed (default). */
export const SIGN_IN_LINK_TTL_MS = 15 * 60_000;

/** A password a person may choose: long enough, bounded, not only spaces. */
export function checkNewPassword(password: string): void {
  if (password.trim().length < PASSWORD_MIN) throw new CalsyncError('VALIDATION', `a password needs at least ${PASSWORD_MIN} characters`, { retryable: false });
  if (password.length > PASSWORD_MAX) throw new CalsyncError('VALIDATION', `a password has at most ${PASSWORD_MAX} characters`, { retryable: false });
}

/** Adds a person to a tenant; with a password they can sign in with it, without one by link only. */
export async function addTenantUser(store: Store, tenantId: string, input: { email: string; name?: string; password?: string }): Promise<TenantUser> {
  if (!/^[^\s@]+@[^\s@]+$/.test(input.email.trim()) || input.email.length > 320) throw new CalsyncError('VALIDATION', `"${input.email}" is not an email address`, { retryable: false });
  if (input.password !== undefined) checkNewPassword(input.password);
  const passwordHash = input.password === undefined ? undefined : await hashPassword(input.password);
  return store.users.create(tenantId, { email: input.email, ...(input.name ? { name: input.name } : {}), ...(passwordHash ? { passwordHash } : {}) });
}

/**
 * The user whose email and password these are, or undefined. An unknown email costs the same scrypt
 * run as a wrong password, so the answer time does not tell which emails exist.
 */
export async function signInWithPassword(store: Store, email: string, password: string): Promise<SignedIn | undefined> {
  const found = await store.users.findForSignIn(email);
  const ok = await verifyPassword(password.slice(0, 4 * 200), found?.passwordHash ?? (await dummyHash()));
  if (!found?.passwordHash || !ok) return undefined;
  if (needsRehash(found.passwordHash)) await store.users.setPassword(found.tenant.id, found.user.id, await hashPassword(password));
  await store.users.touchSignIn(found.user.id);
  return { tenant: found.tenant, user: found.user };
}

/** A one-time sign-in link for the tenant (or one of its users): the token, and the dashboard URL carrying it. */
export async function issueSignInLink(
  store: Store,
  clock: Clock,
  tenantId: string,
  opts: { baseUrl: string; userId?: string; ttlMs?: number },
): Promise<{ token: string; url: string; expiresAt: string }> {
  const expiresAt = new Date(clock.now() + (opts.ttlMs ?? SIGN_IN_LINK_TTL_MS)).toISOString();
  const { token } = await store.signInLinks.issue(tenantId, { expiresAt, ...(opts.userId ? { userId: opts.userId } : {}) });
  return { token, url: signInUrl(opts.baseUrl, token), expiresAt };
}

/**
 * The token travels in the URL's fragment (`#signin=…`): browsers never send a fragment to the server,
 * so it reaches no access log or proxy; the page posts it once and removes it from the address bar.
 */
export function signInUrl(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/dashboard#signin=${token}`;
}

/** Spends a link: who it signs in, once. */
export async function redeemSignInLink(store: Store, token: string): Promise<SignedIn | undefined> {
  const spent = await store.signInLinks.redeem(token);
  if (!spent) return undefined;
  if (spent.userId === undefined) return { tenant: spent.tenant };
  const found = await store.users.getWithTenant(spent.userId);
  if (!found) return undefined;
  await store.users.touchSignIn(found.user.id);
  return { tenant: found.tenant, user: found.user };
}
