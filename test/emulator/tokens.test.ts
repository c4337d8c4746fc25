import { describe, expect, it } from 'vitest';
import { GraphError } from '../../src/emulator/graph/graph-error.js';
import { TokenService } from '../../src/emulator/graph/tokens.js';
import { ManualClock } from '../../src/util/clock.js';

const principal = { userId: 'u1', userPrincipalName: 'u1@x.org', displayName: 'U1', clientId: 'app', tenantId: 't', scopes: ['Calendars.ReadWrite'] };

const failure = (fn: () => unknown): GraphError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof GraphError) return e;
  }
  throw new Error('expected a GraphError');
};

describe('access tokens', () => {
  it('are JWT-shaped with the Graph claims and expire on the clock', () => {
    const clock = new ManualClock();
    const tokens = new TokenService(clock, { accessTokenLifetimeMs: 3_600_000, refreshTokenLifetimeMs: 86_400_000 });
    const { token, expiresInS } = tokens.issueAccessToken(principal);
    expect(expiresInS).toBe(3600);
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    expect(claims).toMatchObject({ aud: 'https://graph.microsoft.com', oid: 'u1', tid: 't', appid: 'app', scp: 'Calendars.ReadWrite' });
    expect(tokens.authenticate(`Bearer ${token}`)).toMatchObject({ userId: 'u1', tokenExpiresMs: clock.now() + 3_600_000 });
    clock.advance(3_600_000);
    expect(failure(() => tokens.authenticate(`Bearer ${token}`))).toMatchObject({ status: 401, code: 'InvalidAuthenticationToken', message: 'Lifetime validation failed, the token is expired.' });
    expect(failure(() => tokens.authenticate('Basic abc')).message).toBe('Access token is empty.');
  });

  it('forgets expired tokens once many were issued, keeping memory bounded', () => {
    const clock = new ManualClock();
    const tokens = new TokenService(clock, { accessTokenLifetimeMs: 1000, refreshTokenLifetimeMs: 1000 });
    const old = tokens.issueAccessToken(principal).token;
    clock.advance(1000);
    let fresh = '';
    for (let i = 0; i < 10_001; i++) fresh = tokens.issueAccessToken(principal).token;
    // Pruned: no longer known at all, so it reads as a malformed token rather than an expired one.
    expect(failure(() => tokens.authenticate(`Bearer ${old}`)).message).toBe('CompactToken parsing failed with error code: 80049217');
    expect(tokens.authenticate(`Bearer ${fresh}`).userId).toBe('u1');
  });
});
