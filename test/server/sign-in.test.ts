/**
 * Issue 13: a planner signs in with email and password (scrypt) or a one-time link; the browser holds a
 * session cookie; API keys stay for machines. Every refusal is the same 401 and changes nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { addTenantUser, issueSignInLink, signInUrl } from '../../src/service/sign-in.js';
import { hashPassword, needsRehash, verifyPassword } from '../../src/util/password.js';
import { makeApi, type ApiHarness } from '../api/harness.js';

const harnesses: ApiHarness[] = [];
async function api(): Promise<ApiHarness> {
  const h = await makeApi();
  harnesses.push(h);
  return h;
}
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

function cookie(res: { headers: Record<string, unknown> }): string {
  const raw = res.headers['set-cookie'];
  const line = Array.isArray(raw) ? String(raw[0]) : String(raw);
  return line.split(';')[0]!;
}

describe('password hashing', () => {
  it('verifies the right password only and records its cost', async () => {
    const hash = await hashPassword('correct horse battery', { N: 1024, r: 8, p: 1 });
    expect(hash).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(await verifyPassword('correct horse battery', hash)).toBe(true);
    expect(await verifyPassword('correct horse batterY', hash)).toBe(false);
    expect(await verifyPassword('anything', 'scrypt$999999999$8$1$a$b')).toBe(false);
    expect(await verifyPassword('anything', 'md5$abc')).toBe(false);
    expect(needsRehash(hash)).toBe(true);
    expect(needsRehash(await hashPassword('correct horse battery'))).toBe(false);
  });
});

describe('POST /api/v1/session', () => {
  it('signs a planner in with email and password; the cookie opens the API as their tenant', async () => {
    const h = await api();
    await addTenantUser(h.store, h.a.tenant.id, { email: 'Anna@Bloom.example', name: 'Anna', password: 'petals and vows 2026' });
    const wrong = await h.call('POST', '/api/v1/session', { key: null, body: { email: 'anna@bloom.example', password: 'petals and vows 2025' } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    const unknown = await h.call('POST', '/api/v1/session', { key: null, body: { email: 'nobody@bloom.example', password: 'petals and vows 2026' } });
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json()).toEqual(wrong.json());

    const ok = await h.call('POST', '/api/v1/session', { key: null, body: { email: 'anna@bloom.example', password: 'petals and vows 2026' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ tenant: { id: h.a.tenant.id }, user: { email: 'anna@bloom.example', name: 'Anna' } });
    expect(String(ok.headers['set-cookie'])).toMatch(/HttpOnly/);
    const me = await h.call('GET', '/api/v1/session', { key: null, headers: { cookie: cookie(ok) } });
    expect(me.json()).toMatchObject({ tenant: { name: 'studio-a' }, user: { email: 'anna@bloom.example' }, via: 'password' });
    expect((await h.call('GET', '/api/v1/integrations', { key: null, headers: { cookie: cookie(ok) } })).statusCode).toBe(200);
    const ticket = await h.call('POST', '/api/v1/ws-ticket', { key: null, headers: { cookie: cookie(ok) } });
    expect(ticket.statusCode).toBe(201);
    const [user] = await h.store.users.list(h.a.tenant.id);
    expect(user?.lastSignInAt).toBeDefined();

    // Removing the user ends the session at the next request.
    await h.store.users.remove(h.a.tenant.id, user!.id);
    expect((await h.call('GET', '/api/v1/integrations', { key: null, headers: { cookie: cookie(ok) } })).statusCode).toBe(401);
  });

  it('signs in once with a one-time link, never twice, never after it expired', async () => {
    const h = await api();
    const link = await issueSignInLink(h.store, h.clock, h.a.tenant.id, { baseUrl: 'http://127.0.0.1:8787/' });
    expect(link.url).toBe(signInUrl('http://127.0.0.1:8787', link.token));
    expect(link.url).toMatch(/^http:\/\/127\.0\.0\.1:8787\/dashboard#signin=csl_/);
    const first = await h.call('POST', '/api/v1/session', { key: null, body: { token: link.token } });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ tenant: { id: h.a.tenant.id } });
    const me = await h.call('GET', '/api/v1/session', { key: null, headers: { cookie: cookie(first) } });
    expect(me.json()).toMatchObject({ via: 'link' });
    const again = await h.call('POST', '/api/v1/session', { key: null, body: { token: link.token } });
    expect(again.statusCode).toBe(401);
    expect(again.json().error.message).toContain('calsync signin-link');

    const late = await issueSignInLink(h.store, h.clock, h.b.tenant.id, { baseUrl: 'http://127.0.0.1:8787', ttlMs: 60_000 });
    h.clock.advance(61_000);
    expect((await h.call('POST', '/api/v1/session', { key: null, body: { token: late.token } })).statusCode).toBe(401);
    // A token is not an API key, and a key is not a token.
    expect((await h.call('POST', '/api/v1/session', { key: null, body: { token: h.a.key } })).statusCode).toBe(401);
  });

  it('a link for a user signs that user in', async () => {
    const h = await api();
    const user = await addTenantUser(h.store, h.b.tenant.id, { email: 'ben@vow.example' });
    const link = await issueSignInLink(h.store, h.clock, h.b.tenant.id, { baseUrl: 'http://x', userId: user.id });
    const res = await h.call('POST', '/api/v1/session', { key: null, body: { token: link.token } });
    expect(res.json()).toMatchObject({ tenant: { id: h.b.tenant.id }, user: { email: 'ben@vow.example' } });
    // No password set: a password sign-in is refused whatever is sent.
    expect((await h.call('POST', '/api/v1/session', { key: null, body: { email: 'ben@vow.example', password: 'x'.repeat(12) } })).statusCode).toBe(401);
  });

  it('refuses mixed or malformed bodies with 400 and a user principal from a Bearer header', async () => {
    const h = await api();
    const mixed = await h.call('POST', '/api/v1/session', { key: null, body: { key: h.a.key, token: 'csl_x' } });
    expect(mixed.statusCode).toBe(400);
    expect((await h.call('POST', '/api/v1/session', { key: null, body: { email: 'a@b' } })).statusCode).toBe(400);
    expect((await h.call('GET', '/api/v1/integrations', { key: 'user:anything' })).statusCode).toBe(401);
    // The API key path still works for machines.
    expect((await h.call('POST', '/api/v1/session', { key: null, body: { key: h.a.key } })).statusCode).toBe(200);
  });

  it('refuses weak passwords, bad emails and duplicates when adding users', async () => {
    const h = await api();
    await expect(addTenantUser(h.store, h.a.tenant.id, { email: 'a@b.example', password: 'short' })).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(addTenantUser(h.store, h.a.tenant.id, { email: 'not an email' })).rejects.toMatchObject({ code: 'VALIDATION' });
    await addTenantUser(h.store, h.a.tenant.id, { email: 'a@b.example' });
    await expect(addTenantUser(h.store, h.b.tenant.id, { email: 'A@B.example' })).rejects.toMatchObject({ code: 'VALIDATION' });
    expect(await h.store.users.list(h.b.tenant.id)).toEqual([]);
  });
});
