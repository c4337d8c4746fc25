/**
 * Where CalDAV's HTTP statuses, WebDAV precondition bodies and network failures become typed
 * `CalsyncError`s: the WebDAV preconditions are read here, the status itself goes through the shared
 * table (src/net/status-errors.ts) and `Retry-After` through the shared parser. Retryability follows
 * the error code (see `src/errors.ts`): throttling, outages and timeouts are retried; auth, rejections
 * and not-found are permanent.
 */
import { CalsyncError, type ErrorCode } from '../../errors.js';
import { redactUrl } from '../../net/redact.js';
import { parseRetryAfter } from '../../net/retry-after.js';
import { codeForStatus } from '../../net/status-errors.js';
import { systemClock, type Clock } from '../../util/clock.js';
import { CALDAV, DAV } from './names.js';
import { descendant, parseXml, type XmlElement } from './xml.js';

export { redactUrl };

export interface HttpFailure {
  method: string;
  url: string;
  status: number;
  /** Response body (used to read WebDAV preconditions); may be empty. */
  body: string;
  retryAfter: string | null;
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

/** WebDAV's own meanings first (preconditions in the body), then the shared status table (src/net). */
function codeForDavStatus(status: number, errorBody: XmlElement | undefined): ErrorCode {
  if (errorBody && descendant(errorBody, DAV.validSyncToken)) return 'PROVIDER_INVALID_SYNC_TOKEN';
  // A UID already stored under another name: RFC 4791's no-uid-conflict, or RFC 6638's
  // unique-scheduling-object-resource (Cyrus answers a clash with that one, as a 403).
  if (errorBody && (descendant(errorBody, CALDAV.noUidConflict) || descendant(errorBody, CALDAV.uniqueSchedulingObjectResource))) return 'PROVIDER_CONFLICT';
  return codeForStatus(status);
}

export function errorForStatus(failure: HttpFailure, clock: Clock = systemClock): CalsyncError {
  const errorBody = precondition(failure.body);
  const code = codeForDavStatus(failure.status, errorBody);
  const retryAfterS = parseRetryAfter(failure.retryAfter, clock.now());
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
  // A refusal raised while connecting (src/net/http-fetch.ts) keeps its own code.
  if (cause instanceof CalsyncError) return cause;
  const reason = cause?.code ?? (err instanceof Error ? err.message : String(err));
  return new CalsyncError('PROVIDER_UNAVAILABLE', `${method} ${safeUrl}: ${reason}`, { cause: err, details });
}
