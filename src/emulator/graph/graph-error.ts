/**
 * Graph's error shape. Every failure the emulator returns is a `GraphError` rendered as
 * `{"error":{"code","message","innerError":{"request-id","date","client-request-id"}}}`
 * (concepts/errors.md), so clients exercise the same parsing they need against live Graph.
 */
export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra response headers, e.g. Retry-After on 429/503. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'GraphError';
  }
}

export interface GraphErrorBody {
  error: {
    code: string;
    message: string;
    innerError: { 'request-id': string; date: string; 'client-request-id': string };
  };
}

export function graphErrorBody(
  code: string,
  message: string,
  ids: { requestId: string; clientRequestId: string; nowMs: number },
): GraphErrorBody {
  return {
    error: {
      code,
      message,
      innerError: {
        'request-id': ids.requestId,
        // Graph writes the date without fractional seconds.
        date: new Date(ids.nowMs).toISOString().replace(/\.\d{3}Z$/, ''),
        'client-request-id': ids.clientRequestId,
      },
    },
  };
}

export const notFound = (): GraphError =>
  new GraphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');

export const invalidRequest = (message: string): GraphError => new GraphError(400, 'ErrorInvalidRequest', message);

export const badRequest = (message: string): GraphError => new GraphError(400, 'BadRequest', message);

export const staleChangeKey = (): GraphError =>
  new GraphError(
    412,
    'ErrorIrresolvableConflict',
    'The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.',
  );

export const tooManyRequests = (retryAfterS: number): GraphError =>
  new GraphError(429, 'TooManyRequests', 'Please retry again later.', { 'Retry-After': String(retryAfterS) });
