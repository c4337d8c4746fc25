/**
 * Typed errors. Every error calsync raises on purpose is a `CalsyncError` with a stable `code`;
 * whether it may be retried is a property of the error, decided here and nowhere else. HTTP status codes
 * are attached only at the HTTP edge (see `httpStatusFor`).
 */
export type ErrorCode =
  // input
  | 'ICAL_PARSE'
  | 'ICAL_TOO_LARGE'
  | 'ICAL_UNSUPPORTED'
  | 'VALIDATION'
  | 'CONFIG'
  // store
  | 'STORE_CONFLICT'
  | 'STORE_NOT_FOUND'
  | 'STORE_FAILURE'
  | 'CRYPTO'
  // providers (shared by every calendar system)
  | 'PROVIDER_PRECONDITION_FAILED'
  | 'PROVIDER_NOT_FOUND'
  | 'PROVIDER_THROTTLED'
  | 'PROVIDER_UNAVAILABLE'
  | 'PROVIDER_AUTH'
  | 'PROVIDER_LISTING_FAILED'
  | 'PROVIDER_INVALID_SYNC_TOKEN'
  | 'PROVIDER_REJECTED'
  | 'PROVIDER_CONFLICT'
  | 'PROVIDER_TIMEOUT'
  | 'PROVIDER_CIRCUIT_OPEN'
  /** An item that exists but cannot be read (unparseable, no UID, no usable DTSTART): never "absent". */
  | 'PROVIDER_ITEM_UNREADABLE'
  // sync safety
  | 'SYNC_MASS_DELETE'
  | 'SYNC_STORAGE_EMPTY'
  | 'SYNC_DUPLICATE_UID'
  | 'SYNC_BUSY'
  /** The sync lost its lease/mutex, or another sync of the calendar moved its state meanwhile: it stopped before writing more (retryable). */
  | 'SYNC_LEASE_LOST'
  // WebDAV-Push messages received (RFC 8291 encryption, RFC 8292 VAPID)
  | 'PUSH_DECRYPT_FAILED'
  | 'PUSH_VAPID_INVALID'
  | 'PUSH_VAPID_MISMATCH'
  // queue
  | 'QUEUE_FAILURE'
  | 'JOB_UNRECOVERABLE'
  // http
  | 'UNAUTHORIZED'
  | 'NOT_FOUND'
  | 'PAYLOAD_TOO_LARGE'
  // the host-app contract (change feed, idempotent writes)
  /** A change-feed cursor that cannot continue without a gap (history pruned, or a cursor from another past): start over from `/events`. */
  | 'CHANGES_CURSOR_EXPIRED'
  /** An `Idempotency-Key` sent again with a different request. */
  | 'IDEMPOTENCY_KEY_REUSED';

export interface CalsyncErrorOptions {
  cause?: unknown;
  /** Override the code's default retryability. */
  retryable?: boolean;
  /** Seconds the peer asked us to wait (Retry-After). */
  retryAfterS?: number;
  /** Machine-readable details (never secrets). */
  details?: Record<string, unknown>;
}

const RETRYABLE_BY_DEFAULT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'STORE_FAILURE',
  'PROVIDER_THROTTLED',
  'PROVIDER_UNAVAILABLE',
  'PROVIDER_LISTING_FAILED',
  'PROVIDER_TIMEOUT',
  'PROVIDER_CIRCUIT_OPEN',
  'PROVIDER_PRECONDITION_FAILED',
  'SYNC_BUSY',
  'SYNC_LEASE_LOST',
  'QUEUE_FAILURE',
]);

export class CalsyncError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly retryAfterS: number | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: CalsyncErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT.has(code);
    this.retryAfterS = options.retryAfterS;
    this.details = options.details;
  }

  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}

/** Invalid iCalendar text: names the (1-based) line and the reason. */
export class IcalParseError extends CalsyncError {
  readonly line: number | undefined;
  readonly reason: string;
  constructor(reason: string, line?: number, options: CalsyncErrorOptions = {}) {
    super('ICAL_PARSE', line === undefined ? `iCalendar: ${reason}` : `iCalendar line ${line}: ${reason}`, {
      ...options,
      details: { ...options.details, reason, ...(line === undefined ? {} : { line }) },
    });
    this.line = line;
    this.reason = reason;
  }
}

export class ValidationError extends CalsyncError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('VALIDATION', message, details ? { details } : {});
  }
}

export class NotFoundError extends CalsyncError {
  constructor(what: string, id: string) {
    super('STORE_NOT_FOUND', `${what} ${id} not found`, { details: { what, id } });
  }
}

/** A compare-and-set lost its race (the row moved since it was read). */
export class StoreConflictError extends CalsyncError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('STORE_CONFLICT', message, details ? { details } : {});
  }
}

export function isCalsyncError(err: unknown): err is CalsyncError {
  return err instanceof CalsyncError;
}

export function isRetryable(err: unknown): boolean {
  return isCalsyncError(err) ? err.retryable : false;
}

/** The HTTP status for an error at the HTTP edge (server and webhook routes). */
export function httpStatusFor(err: unknown): number {
  if (!isCalsyncError(err)) return 500;
  switch (err.code) {
    case 'VALIDATION':
    case 'ICAL_PARSE':
    case 'ICAL_UNSUPPORTED':
    case 'PUSH_DECRYPT_FAILED':
      return 400;
    case 'UNAUTHORIZED':
    case 'PROVIDER_AUTH':
    case 'PUSH_VAPID_INVALID':
      return 401;
    case 'PUSH_VAPID_MISMATCH':
      return 403;
    case 'NOT_FOUND':
    case 'STORE_NOT_FOUND':
      return 404;
    case 'STORE_CONFLICT':
    case 'PROVIDER_CONFLICT':
    case 'SYNC_BUSY':
    case 'SYNC_LEASE_LOST':
      return 409;
    case 'PAYLOAD_TOO_LARGE':
    case 'ICAL_TOO_LARGE':
      return 413;
    case 'CHANGES_CURSOR_EXPIRED':
      return 410;
    case 'SYNC_MASS_DELETE':
    case 'SYNC_STORAGE_EMPTY':
    case 'IDEMPOTENCY_KEY_REUSED':
      return 422;
    case 'PROVIDER_THROTTLED':
      return 429;
    case 'PROVIDER_UNAVAILABLE':
    case 'PROVIDER_CIRCUIT_OPEN':
    case 'PROVIDER_TIMEOUT':
      return 503;
    default:
      return 500;
  }
}
