import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/util/clock.js';
import { parseRetryAfter } from '../../src/net/retry-after.js';
import { errorForNetwork, errorForStatus, redactUrl } from '../../src/providers/caldav/dav-errors.js';

const clock = new ManualClock(Date.UTC(2026, 5, 1, 12, 0, 0));
const failure = (status: number, body = '', retryAfter: string | null = null) =>
  errorForStatus({ method: 'PUT', url: 'https://user:secret@cal.example.com/a/b.ics?x=1', status, body, retryAfter }, clock);

describe('errorForStatus (the one place statuses become typed errors)', () => {
  it.each([
    [401, 'PROVIDER_AUTH', false],
    [403, 'PROVIDER_REJECTED', false],
    [404, 'PROVIDER_NOT_FOUND', false],
    [410, 'PROVIDER_NOT_FOUND', false],
    [409, 'PROVIDER_CONFLICT', false],
    [412, 'PROVIDER_PRECONDITION_FAILED', true],
    [408, 'PROVIDER_TIMEOUT', true],
    [429, 'PROVIDER_THROTTLED', true],
    [500, 'PROVIDER_UNAVAILABLE', true],
    [502, 'PROVIDER_UNAVAILABLE', true],
    [503, 'PROVIDER_UNAVAILABLE', true],
    [504, 'PROVIDER_TIMEOUT', true],
    [501, 'PROVIDER_REJECTED', false],
    [507, 'PROVIDER_REJECTED', false],
    [400, 'PROVIDER_REJECTED', false],
    [415, 'PROVIDER_REJECTED', false],
  ])('HTTP %i → %s (retryable %s)', (status, code, retryable) => {
    const error = failure(status);
    expect(error.code).toBe(code);
    expect(error.retryable).toBe(retryable);
    expect(error.details).toMatchObject({ status, method: 'PUT' });
  });

  it('reads WebDAV preconditions from the body', () => {
    expect(failure(403, '<error xmlns="DAV:"><valid-sync-token /></error>').code).toBe('PROVIDER_INVALID_SYNC_TOKEN');
    expect(failure(409, '<error xmlns="DAV:"><valid-sync-token /></error>').code).toBe('PROVIDER_INVALID_SYNC_TOKEN');
    expect(failure(409, '<error xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><C:no-uid-conflict /></error>').code).toBe('PROVIDER_CONFLICT');
    expect(failure(412, '<m xmlns="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><error><c:no-uid-conflict/></error></m>').code).toBe('PROVIDER_CONFLICT');
    // Cyrus 3.6 answers a UID stored under another name with RFC 6638's precondition (captured body).
    const cyrusClash =
      '<?xml version="1.0" encoding="utf-8"?>\n<D:error xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><C:unique-scheduling-object-resource>' +
      '<D:href>/dav/calendars/user/test/work/one.ics</D:href></C:unique-scheduling-object-resource></D:error>';
    expect(failure(403, cyrusClash).code).toBe('PROVIDER_CONFLICT');
    expect(failure(403, 'plain text <oops').code).toBe('PROVIDER_REJECTED');
  });

  it('never puts credentials or query strings in messages', () => {
    const error = failure(500);
    expect(error.message).not.toContain('secret');
    expect(error.message).toContain('https://cal.example.com/a/b.ics');
    expect(JSON.stringify(error.details)).not.toContain('secret');
    expect(redactUrl('not a url')).toBe('<invalid url>');
  });

  it('carries Retry-After as seconds', () => {
    expect(failure(503, '', '7').retryAfterS).toBe(7);
    expect(failure(429, '', new Date(clock.now() + 30_000).toUTCString()).retryAfterS).toBe(30);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates against the injected clock', () => {
    expect(parseRetryAfter('120', clock.now())).toBe(120);
    expect(parseRetryAfter('Mon, 01 Jun 2026 12:01:00 GMT', clock.now())).toBe(60);
    expect(parseRetryAfter('Mon, 01 Jun 2026 11:00:00 GMT', clock.now())).toBe(0);
    expect(parseRetryAfter('soon', clock.now())).toBeUndefined();
    expect(parseRetryAfter(null, clock.now())).toBeUndefined();
    expect(parseRetryAfter(' ', clock.now())).toBeUndefined();
  });
});

describe('errorForNetwork', () => {
  it('maps our timeout to PROVIDER_TIMEOUT and connection failures to PROVIDER_UNAVAILABLE, both retryable', () => {
    const timeout = errorForNetwork(new DOMException('aborted', 'TimeoutError'), 'GET', 'http://h/x', true);
    expect([timeout.code, timeout.retryable]).toEqual(['PROVIDER_TIMEOUT', true]);
    const refused = errorForNetwork(new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }), 'GET', 'http://h/x', false);
    expect([refused.code, refused.retryable]).toEqual(['PROVIDER_UNAVAILABLE', true]);
    expect(refused.message).toContain('ECONNREFUSED');
    expect(errorForNetwork('weird', 'GET', 'http://h/x', false).message).toContain('weird');
  });
});
