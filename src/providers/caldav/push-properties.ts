/**
 * Reading a collection's WebDAV-Push properties (draft-bitfire-webdav-push, "Push Properties"):
 * `transports` (we speak the `web-push` transport, with its optional VAPID key), `topic` and
 * `supported-triggers` (we need content updates).
 */
import { fromBase64Url, isUncompressedP256 } from '../../util/base64url.js';
import { foundProp, type DavResponse } from './multistatus.js';
import { PUSH, WEBDAV_PUSH_CLASS } from './names.js';
import { child } from './xml.js';

export type PushSupport =
  | {
      supported: true;
      /** The collection's push topic: push messages name it. */
      topic: string;
      /** The server's VAPID key (uncompressed P-256, base64url) when it advertises one of type p256ecdsa. */
      vapidPublicKey: string | undefined;
    }
  | { supported: false; reason: string };

const MAX_TOPIC = 1024;

/** Does a `DAV:` response header name the `webdav-push` compliance class? */
export function offersWebDavPush(davHeader: string | null): boolean {
  return (davHeader ?? '').split(',').some((token) => token.trim().toLowerCase() === WEBDAV_PUSH_CLASS);
}

const unsupported = (reason: string): PushSupport => ({ supported: false, reason });

/** The push support a PROPFIND (Depth 0) response of the collection describes. */
export function readPushProperties(self: DavResponse): PushSupport {
  const webPush = child(foundProp(self, PUSH.transports), PUSH.webPush);
  if (!webPush) return unsupported('the server offers no Web Push transport');
  const topic = foundProp(self, PUSH.topic)?.text.trim() ?? '';
  if (topic === '' || topic.length > MAX_TOPIC) return unsupported('the collection has no usable push topic');
  const triggers = foundProp(self, PUSH.supportedTriggers);
  // Drafts before `supported-triggers` existed only had content updates; when it is there, it must list them.
  if (triggers && !child(triggers, PUSH.contentUpdate)) return unsupported('the collection sends no content-update pushes');
  const vapid = child(webPush, PUSH.vapidPublicKey);
  if (!vapid || vapid.attrs.type !== 'p256ecdsa') return { supported: true, topic, vapidPublicKey: undefined };
  const key = vapid.text.trim();
  // A key we cannot read would make every push it signs fail the check: better to keep polling.
  if (!isUncompressedP256(fromBase64Url(key))) return unsupported('the server advertises an unreadable VAPID key');
  return { supported: true, topic, vapidPublicKey: key };
}
