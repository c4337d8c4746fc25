/**
 * CalDAV / iCloud: the provider, plus what the CLI and the server need around it (URL checks before
 * saving a connection, circuit state for health, discovery for "which calendars do you have?").
 */
export { CalDavProvider, ICLOUD_CALDAV_URL, type CalDavProviderOptions } from './caldav-provider.js';
export { assertAllowedUrl, isPrivateAddress, isSameSite, type UrlCheckOptions } from './url-safety.js';
export type { CircuitStateName, ResilienceOptions } from './resilience.js';
export type { FetchLike } from './dav-client.js';
export type { TokenBucketOptions } from './token-bucket.js';
