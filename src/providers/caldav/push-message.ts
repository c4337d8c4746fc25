/**
 * The body of a WebDAV-Push message, once decrypted (draft-bitfire-webdav-push, "Push Message"):
 * `push-message` with the collection's `topic`, a `content-update` (with the new `DAV:sync-token`) and/or
 * a `property-update`. A message without a topic whose property update names `transports` announces a
 * VAPID key rotation ("Key Rotation"): the registration must be made again.
 */
import { CalsyncError, ValidationError } from '../../errors.js';
import { DAV, PUSH } from './names.js';
import { child, parseXml, type XmlElement } from './xml.js';

export interface PushMessage {
  topic: string | undefined;
  contentUpdate: boolean;
  /** The collection's sync-token after the change, when the server sent it. */
  syncToken: string | undefined;
  propertyUpdate: boolean;
  keyRotation: boolean;
}

/** Parses a push message; anything else (not XML, another root, no topic and no key rotation) is a VALIDATION error. */
export function parsePushMessage(body: string): PushMessage {
  let root: XmlElement;
  try {
    root = parseXml(body);
  } catch (err) {
    throw new ValidationError(`push message is not XML: ${err instanceof CalsyncError ? err.message : 'unreadable'}`);
  }
  if (root.name !== PUSH.pushMessage.clark) throw new ValidationError(`expected a WebDAV-Push push-message, got ${root.name}`);
  const content = child(root, PUSH.contentUpdate);
  const property = child(root, PUSH.propertyUpdate);
  const topic = child(root, PUSH.topic)?.text.trim() || undefined;
  const syncToken = child(content, DAV.syncToken)?.text.trim() || undefined;
  const keyRotation = topic === undefined && child(child(property, DAV.prop), PUSH.transports) !== undefined;
  if (topic === undefined && !keyRotation) throw new ValidationError('push message without a topic');
  return { topic, contentUpdate: content !== undefined, syncToken, propertyUpdate: property !== undefined, keyRotation };
}
