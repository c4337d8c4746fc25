import { describe, expect, it } from 'vitest';
import { CalsyncError, httpStatusFor, IcalParseError, isRetryable, NotFoundError, StoreConflictError, ValidationError } from '../src/errors.js';

describe('typed errors', () => {
  it('carry a code, retryability and details', () => {
    const throttled = new CalsyncError('PROVIDER_THROTTLED', 'slow down', { retryAfterS: 5 });
    expect(throttled.retryable).toBe(true);
    expect(throttled.retryAfterS).toBe(5);
    expect(throttled.name).toBe('CalsyncError');
    expect(isRetryable(throttled)).toBe(true);
    expect(isRetryable(new CalsyncError('PROVIDER_AUTH', 'no'))).toBe(false);
    expect(isRetryable(new CalsyncError('PROVIDER_AUTH', 'no', { retryable: true }))).toBe(true);
    expect(isRetryable(new Error('plain'))).toBe(false);
    const cause = new Error('root');
    expect(new CalsyncError('STORE_FAILURE', 'x', { cause }).cause).toBe(cause);
  });

  it('name the line of an iCalendar error', () => {
    const err = new IcalParseError('missing END:VEVENT', 12);
    expect(err.message).toBe('iCalendar line 12: missing END:VEVENT');
    expect(err.toJSON()).toEqual({ code: 'ICAL_PARSE', message: err.message, details: { reason: 'missing END:VEVENT', line: 12 } });
    expect(new IcalParseError('empty').message).toBe('iCalendar: empty');
    expect(new IcalParseError('empty').name).toBe('IcalParseError');
  });

  it('map to HTTP statuses only at the edge', () => {
    expect(httpStatusFor(new ValidationError('bad'))).toBe(400);
    expect(httpStatusFor(new NotFoundError('event', 'e1'))).toBe(404);
    expect(httpStatusFor(new StoreConflictError('moved'))).toBe(409);
    expect(httpStatusFor(new CalsyncError('PAYLOAD_TOO_LARGE', 'big'))).toBe(413);
    expect(httpStatusFor(new CalsyncError('SYNC_MASS_DELETE', 'no'))).toBe(422);
    expect(httpStatusFor(new CalsyncError('PROVIDER_THROTTLED', 'x'))).toBe(429);
    expect(httpStatusFor(new CalsyncError('PROVIDER_CIRCUIT_OPEN', 'x'))).toBe(503);
    expect(httpStatusFor(new CalsyncError('UNAUTHORIZED', 'x'))).toBe(401);
    expect(httpStatusFor(new CalsyncError('PUSH_DECRYPT_FAILED', 'x'))).toBe(400);
    expect(httpStatusFor(new CalsyncError('PUSH_VAPID_INVALID', 'x'))).toBe(401);
    expect(httpStatusFor(new CalsyncError('PUSH_VAPID_MISMATCH', 'x'))).toBe(403);
    expect(httpStatusFor(new CalsyncError('STORE_FAILURE', 'x'))).toBe(500);
    expect(httpStatusFor(new Error('x'))).toBe(500);
  });
});
