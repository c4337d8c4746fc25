/**
 * WebDAV-Push for one collection (draft-bitfire-webdav-push): is it offered (`DAV: …, webdav-push` on
 * OPTIONS, then the push properties), register a Web Push subscription (POST `push-register`; the
 * answer's `Location` is the registration URL and `Expires` its real expiry), renew it (the same push
 * resource again: the server updates the registration) and remove it (DELETE the registration URL).
 * Requests go through the provider's `DavClient`: rate limit, circuit breaker, retries, timeouts.
 */
import { CalsyncError } from '../../errors.js';
import type { Clock } from '../../util/clock.js';
import { pushRegisterBody, propfindBody, type PushRegisterInput } from './dav-bodies.js';
import type { DavClient } from './dav-client.js';
import { redactUrl } from './dav-errors.js';
import { parseMultistatus } from './multistatus.js';
import { PUSH, XML_CONTENT_TYPE } from './names.js';
import { offersWebDavPush, readPushProperties, type PushSupport } from './push-properties.js';

export interface PushRegistration {
  /** Where to DELETE the registration (absolute). */
  registrationUrl: string;
  /** ISO instant the server drops it. */
  expiresAt: string;
}

/** A server must keep a registration at least three days ("Expiration"); the fallback when `Expires` is missing. */
const MIN_SERVER_LIFETIME_MS = 3 * 24 * 3600_000;

export class CollectionPush {
  constructor(
    private readonly client: DavClient,
    readonly url: string,
    private readonly clock: Clock,
  ) {}

  /** Whether the collection offers WebDAV-Push over Web Push, with its topic and VAPID key. */
  async support(): Promise<PushSupport> {
    const options = await this.client.request({ method: 'OPTIONS', url: this.url });
    if (!offersWebDavPush(options.headers.get('dav'))) return { supported: false, reason: 'the server does not offer WebDAV-Push' };
    const answer = await this.client.request({
      method: 'PROPFIND',
      url: this.url,
      headers: { 'Content-Type': XML_CONTENT_TYPE, Depth: '0' },
      body: propfindBody([PUSH.transports, PUSH.topic, PUSH.supportedTriggers]),
    });
    const self = parseMultistatus(answer.body, this.url).responses[0];
    return self ? readPushProperties(self) : { supported: false, reason: 'the server did not describe the collection' };
  }

  /**
   * Registers (or, for a push resource already registered, renews) a subscription. A 403 names why in
   * a `DAV:error` (`invalid-subscription`, `push-not-available`, `no-trigger-supported`): PROVIDER_REJECTED.
   */
  async register(input: PushRegisterInput): Promise<PushRegistration> {
    const answer = await this.client.request({
      method: 'POST',
      url: this.url,
      headers: { 'Content-Type': XML_CONTENT_TYPE },
      body: pushRegisterBody(input),
    });
    const location = answer.headers.get('location');
    if (!location) throw new CalsyncError('PROVIDER_REJECTED', `push-register on ${redactUrl(this.url)}: HTTP ${answer.status} without a Location`);
    return { registrationUrl: new URL(location, this.url).toString(), expiresAt: this.expiry(answer.headers.get('expires'), input.expires) };
  }

  /** Removes a registration; false when the server no longer knew it (404/410: expired or already gone). */
  async unregister(registrationUrl: string): Promise<boolean> {
    const answer = await this.client.request({ method: 'DELETE', url: registrationUrl, accept: [404, 410] });
    return answer.status !== 404 && answer.status !== 410;
  }

  /** The server's `Expires` (it may shorten what we asked for, never lengthen it); without one, the shortest lifetime a server may grant. */
  private expiry(header: string | null, requested: Date): string {
    const stated = header === null ? Number.NaN : Date.parse(header);
    const fallback = Math.min(requested.getTime(), this.clock.now() + MIN_SERVER_LIFETIME_MS);
    const at = Number.isFinite(stated) ? Math.min(stated, requested.getTime()) : fallback;
    return new Date(at).toISOString();
  }
}
