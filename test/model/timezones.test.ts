import { describe, expect, it } from 'vitest';
import { ianaName, ianaToWindows, registerZoneRules, registeredZoneRules, resolveTzid, windowsToIana } from '../../src/model/timezones.js';

describe('resolveTzid', () => {
  it.each([
    ['Europe/London', 'Europe/London'],
    ['europe/berlin', 'Europe/Berlin'],
    ['US/Pacific', 'US/Pacific'],
    ['"America/New_York"', 'America/New_York'],
    ['W. Europe Standard Time', 'Europe/Berlin'],
    ['Pacific Standard Time', 'America/Los_Angeles'],
    ['GMT Standard Time', 'Europe/London'],
    ['/freeassociation.sourceforge.net/Tzfile/Europe/London', 'Europe/London'],
    ['/freeassociation.sourceforge.net/America/Chicago', 'America/Chicago'],
    ['/mozilla.org/20050126_1/America/New_York', 'America/New_York'],
    ['/citadel.org/20190914_1/Europe/Paris', 'Europe/Paris'],
    ['/softwarestudio.org/Olson_20011030_5/UTC', 'UTC'],
    ['UTC', 'UTC'],
    ['GMT', 'UTC'],
    ['Z', 'UTC'],
    ['tzone://Microsoft/Utc', 'UTC'],
  ])('%s → %s', (tzid, iana) => {
    expect(resolveTzid(tzid)).toBe(iana);
  });

  it.each(['', '  ', 'Customized Time Zone', '(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna', 'Europe/Atlantis', '+01:00', 'Zürich Zeit', '/nowhere/Mars/Olympus'])(
    'does not resolve %j',
    (tzid) => {
      expect(resolveTzid(tzid)).toBeUndefined();
    },
  );
});

describe('windows names', () => {
  it('maps both ways', () => {
    expect(windowsToIana('Romance Standard Time')).toBe('Europe/Paris');
    expect(windowsToIana('Nowhere Standard Time')).toBeUndefined();
    expect(ianaToWindows('Europe/Berlin')).toBe('W. Europe Standard Time');
    expect(ianaToWindows('America/Los_Angeles')).toBe('Pacific Standard Time');
    expect(ianaToWindows('UTC')).toBe('UTC');
    expect(ianaToWindows('Asia/Kolkata')).toBe('India Standard Time');
  });
  it('caches alias answers, valid or not', () => {
    expect(ianaName('US/Eastern')).toBe('US/Eastern');
    expect(ianaName('US/Eastern')).toBe('US/Eastern');
    expect(ianaName('Not/AZone')).toBeUndefined();
    expect(ianaName('Not/AZone')).toBeUndefined();
  });
});

describe('registered zone rules', () => {
  it('keeps the latest definition per TZID', () => {
    registerZoneRules('Custom A', { utcFromLocal: (ms) => ms - 1 });
    registerZoneRules('Custom A', { utcFromLocal: (ms) => ms - 2 });
    expect(registeredZoneRules('Custom A')?.utcFromLocal(10)).toBe(8);
    expect(registeredZoneRules('Custom B')).toBeUndefined();
  });
  it('stays bounded', () => {
    for (let i = 0; i < 5_100; i++) registerZoneRules(`bulk-${i}`, { utcFromLocal: (ms) => ms });
    expect(registeredZoneRules('bulk-0')).toBeUndefined();
    expect(registeredZoneRules('bulk-5099')).toBeDefined();
  });
});
