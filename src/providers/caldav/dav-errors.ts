/**
 * The ONE place where HTTP statuses, WebDAV precondition bodies and network failures become typed
 * `CalsyncError`s. Retryability follows the error code (see `src/errors.ts`): throttling, outages and
 * timeouts are retried; auth, rejections and not-found are permanent.
 */
import { CalsyncError, type ErrorCode } from '../../errors.js';
import { systemClock, type Clock } from '../../util/clock.js';
import { CALDAV, DAV } from './names.js';
import { descendant, parseXml, type XmlElement } from './xml.js';

export interface HttpFailure {
  method: string;
  url: string;
  status: number;
  /** Response body (used to read WebDAV preconditions); may be empty. */
  body: string;
  retryAfter: string | null;
}

/** `Retry-After` as seconds: delta-seconds or an HTTP-date relative to the injected clock. */
export function parseRetryAfter(value: string | null, clock: Clock): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - clock.now()) / 1000));
}

/** The WebDAV precondition element named in an error body, if the body is a readable `DAV:error`. */
function precondition(body: string): XmlElement | undefined {
  if (!body.includes('<')) return undefined;
  try {
    return parseXml(body);
  } catch {
    return undefined;
  }
}

/** Strips credentials and query from a URL before it goes into an error message. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '<invalid url>';
  }
}

function codeForStatus(status: number, errorBody: XmlElement | undefined): ErrorCode {
  if (errorBody && descendant(errorBody, DAV.validSyncToken)) return 'PROVIDER_INVALID_SYNC_TOKEN';
  if (errorBody && descendant(errorBody, CALDAV.noUidConflict)) return 'PROVIDER_CONFLICT';
  switch (status) {
    case 401:
      return 'PROVIDER_AUTH';
    case 404:
    case 410:
      return 'PROVIDER_NOT_FOUND';
    case 409:
      return 'PROVIDER_CONFLICT';
    case 412:
      return 'PROVIDER_PRECONDITION_FAILED';
    case 408:
      return 'PROVIDER_TIMEOUT';
    case 429:
      return 'PROVIDER_THROTTLED';
    default:
      return status >= 500 && status !== 501 && status !== 507 ? 'PROVIDER_UNAVAILABLE' : 'PROVIDER_REJECTED';
  }
}

export function errorForStatus(failure: HttpFailure, clock: Clock = systemClock): CalsyncError {
  const errorBody = precondition(failure.body);
  const code = codeForStatus(failure.status, errorBody);
  const retryAfterS = parseRetryAfter(failure.retryAfter, clock);
  const url = redactUrl(failure.url);
  return new CalsyncError(code, `${failure.method} ${url}: HTTP ${failure.status}`, {
    ...(retryAfterS === undefined ? {} : { retryAfterS }),
    details: { method: failure.method, url, status: failure.status },
  });
}

/** A fetch that threw: our timeout fired, the caller aborted, or the connection failed. */
export function errorForNetwork(err: unknown, method: string, url: string, timedOut: boolean): CalsyncError {
  const safeUrl = redactUrl(url);
  const details = { method, url: safeUrl };
  if (timedOut) return new CalsyncError('PROVIDER_TIMEOUT', `${method} ${safeUrl}: timed out`, { cause: err, details });
  const cause = (err as { cause?: { code?: string } } | null)?.cause;
  // A refusal raised while connecting (guarded-fetch.ts) keeps its own code.
  if (cause instanceof CalsyncError) return cause;
  const reason = cause?.code ?? (err instanceof Error ? err.message : String(err));
  return new CalsyncError('PROVIDER_UNAVAILABLE', `${method} ${safeUrl}: ${reason}`, { cause: err, details });
}
