import { describe, expect, it } from 'vitest';
import { CalsyncError } from '../../src/errors.js';
import { isPrivateAddress } from '../../src/net/address-guard.js';
import { assertAllowedUrl, isSameSite, siteOf } from '../../src/net/url-policy.js';

async function refusal(url: string, options: Parameters<typeof assertAllowedUrl>[1] = {}): Promise<string | undefined> {
  return assertAllowedUrl(url, options).then(
    () => undefined,
    (e: unknown) => (e instanceof CalsyncError ? `${e.code}: ${e.message}` : String(e)),
  );
}

describe('isPrivateAddress', () => {
  it.each(['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '::1', '::', 'fc00::1', 'fd12::1', 'fe80::1', '[::1]', '::ffff:127.0.0.1', 'ff02::1', '::ffff:8.8.8.8'])(
    '%s is private',
    (ip) => expect(isPrivateAddress(ip)).toBe(true),
  );
  it.each(['17.253.144.10', '8.8.8.8', '172.32.0.1', '2606:4700::1111', 'caldav.icloud.com'])('%s is public', (ip) =>
    expect(isPrivateAddress(ip)).toBe(false),
  );
});

describe('assertAllowedUrl', () => {
  const publicDns = async (): Promise<string[]> => ['17.253.144.10'];
  it('accepts public https URLs', async () => {
    expect(await refusal('https://caldav.icloud.com/', { lookup: publicDns })).toBeUndefined();
  });
  it('refuses loopback, private literals, localhost names and names resolving to private addresses', async () => {
    expect(await refusal('https://127.0.0.1/')).toMatch(/^VALIDATION/);
    expect(await refusal('https://[::1]:8443/')).toMatch(/^VALIDATION/);
    expect(await refusal('https://localhost/')).toMatch(/loopback/);
    expect(await refusal('https://db.localhost/')).toMatch(/loopback/);
    expect(await refusal('https://internal.example.com/', { lookup: async () => ['10.0.0.5'] })).toMatch(/private/);
  });
  it('refuses plain http (credentials in clear text) and other schemes', async () => {
    expect(await refusal('http://cal.example.com/', { lookup: publicDns })).toMatch(/clear text/);
    expect(await refusal('ftp://cal.example.com/')).toMatch(/scheme/);
    expect(await refusal('not a url')).toMatch(/valid URL/);
  });
  it('allows private targets and http when the operator allows it', async () => {
    expect(await refusal('http://127.0.0.1:5232/', { allowPrivate: true })).toBeUndefined();
  });
  it('treats a name that does not resolve as not private (the connection will fail on its own)', async () => {
    expect(await refusal('https://nowhere.invalid/', { lookup: async () => Promise.reject(new Error('ENOTFOUND')) })).toBeUndefined();
  });
});

describe('same-site credentials', () => {
  it('approximates the registrable domain', () => {
    expect(siteOf('p07-caldav.icloud.com')).toBe('icloud.com');
    expect(siteOf('caldav.icloud.com.')).toBe('icloud.com');
    expect(siteOf('cal.example.co.uk')).toBe('example.co.uk');
    expect(siteOf('localhost')).toBe('localhost');
    expect(siteOf('127.0.0.1')).toBe('127.0.0.1');
  });
  it('sends iCloud credentials to the partition host but not to other sites or over a downgrade', () => {
    const trusted = new URL('https://caldav.icloud.com/');
    expect(isSameSite(trusted, new URL('https://p07-caldav.icloud.com:443/123/calendars/'))).toBe(true);
    expect(isSameSite(trusted, new URL('https://evil.example.com/'))).toBe(false);
    expect(isSameSite(trusted, new URL('http://p07-caldav.icloud.com/'))).toBe(false);
    expect(isSameSite(new URL('https://a.example.co.uk/'), new URL('https://b.other.co.uk/'))).toBe(false);
  });
});
