import { describe, expect, it } from 'vitest';
import { resourceNameForUid } from '../../src/providers/caldav/resource-name.js';

describe('resourceNameForUid', () => {
  it('keeps safe UIDs readable', () => {
    expect(resourceNameForUid('6F1E6E0B-1D6A-4C0F-9C1B-4D7A0B8F3E21')).toBe('6F1E6E0B-1D6A-4C0F-9C1B-4D7A0B8F3E21.ics');
    expect(resourceNameForUid('evt_1.2')).toBe('evt_1.2.ics');
  });

  it('hashes UIDs with characters iCloud rejects, deterministically and without collisions', () => {
    const a = resourceNameForUid('evt-0001@calsync.test');
    expect(a).toMatch(/^evt-0001-calsync-test-[0-9a-f]{32}\.ics$/);
    expect(resourceNameForUid('evt-0001@calsync.test')).toBe(a);
    expect(resourceNameForUid('evt-0001/calsync.test')).not.toBe(a);
    for (const uid of ['a b', 'ümlaut', '../etc/passwd', '@@@', '.hidden', 'x'.repeat(150), 'event.ics']) {
      expect(resourceNameForUid(uid), uid).toMatch(/^[A-Za-z0-9_-][A-Za-z0-9._-]*\.ics$/);
    }
    expect(resourceNameForUid('@@@')).toMatch(/^event-[0-9a-f]{32}\.ics$/);
    expect(resourceNameForUid('event.ics')).not.toBe('event.ics');
  });
});
