/**
 * CalDAV / iCloud: the provider, plus what the CLI and the server need around it (URL checks before
 * saving a connection, circuit state for health, discovery for "which calendars do you have?").
 */
export { CalDavProvider, ICLOUD_CALDAV_URL, type CalDavProviderOptions } from './caldav-provider.js';
export { isPrivateAddress } from '../../net/address-guard.js';
export { assertAllowedUrl, isSameSite, type UrlCheckOptions } from '../../net/url-policy.js';
export type { CircuitStateName, ResilienceOptions } from '../../net/resilience.js';
export type { FetchLike } from '../../net/types.js';
export type { TokenBucketOptions } from '../../net/token-bucket.js';
