/**
 * The one `Retry-After` parser (RFC 9110 §10.2.3): delta-seconds or an HTTP-date, read against the
 * injected clock. Fractional seconds (some gateways send them) are rounded up; anything else is
 * undefined, never NaN.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(?:\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed));
  // An HTTP-date names its day and month; bare numbers like "-5" are no date (Date.parse reads a year).
  if (!/[A-Za-z]{3}/.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - nowMs) / 1000));
}
