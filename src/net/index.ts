/**
 * calsync's one outbound HTTP edge. Every provider and the notifier go through it:
 * - `http-fetch.ts`: the node:http fetch (keep-alive agents, lazy decompression) with the connect-time
 *   address guard (`address-guard.ts`, ipaddr.js) on literals and every DNS answer;
 * - `url-policy.ts`: the early URL check (scheme, credentials in clear text, inward addresses) and the
 *   same-site rule for credentials;
 * - `capped-body.ts`: the one byte-capped body reader (2xx and error bodies, streamed or whole);
 * - `retry-after.ts`, `status-errors.ts`: one Retry-After parser, one status → error-code table with
 *   per-provider overrides;
 * - `resilience.ts` (cockatiel breaker per origin, retries slept through the injected sleep) and
 *   `token-bucket.ts` (per-host rate limit on the injected clock); `shared-politeness.ts`, the same two
 *   kept in Redis for every process of a deployment.
 */
export { addressRange, isLoopbackHost, isPrivateAddress, isPublicAddress } from './address-guard.js';
export { DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_STREAMED_BYTES, cappedTextChunks, discardBody, readCappedText, tooLarge, type CappedReadOptions } from './capped-body.js';
export { assertPublicAddress, guardedFetch, guardedLookup, httpFetch, unguardedFetch, type HttpFetchOptions, type Resolver } from './http-fetch.js';
export { redactUrl } from './redact.js';
export { ServerPolicies, isOutage, retryDelayMs, shouldRetry, type CircuitStateName, type ResilienceOptions } from './resilience.js';
export { parseRetryAfter } from './retry-after.js';
export { RedisCircuit, RedisTokenBuckets, type HostRateLimiter, type RedisCircuitOptions, type SharedCircuit } from './shared-politeness.js';
export { GRAPH_STATUS_OVERRIDES, RETRY_STATUSES, codeForStatus, type StatusOverrides } from './status-errors.js';
export { TokenBucket, TokenBuckets, realSleep, type Sleep, type TokenBucketOptions } from './token-bucket.js';
export type { FetchInit, FetchLike } from './types.js';
export { assertAllowedUrl, isSameSite, siteOf, type Lookup, type UrlCheckOptions } from './url-policy.js';
