/**
 * What the push webhook does with a message a WebDAV server POSTed to one of our push resources
 * (draft-bitfire-webdav-push, "Push Message" over Web Push). In order, each step refusing with a typed
 * error and nothing changed:
 *   1. the URL names a registration of ours and its secret matches (constant time) — else NOT_FOUND,
 *      which tells the server to drop the subscription (RFC 8030 §7.3);
 *   2. the body is `aes128gcm` and, when the server advertised a VAPID key, the request is signed with
 *      it (RFC 8292) — PUSH_VAPID_INVALID / PUSH_VAPID_MISMATCH;
 *   3. it decrypts with the registration's keys (RFC 8291) — PUSH_DECRYPT_FAILED;
 *   4. it is a push-message naming the calendar's topic — VALIDATION.
 * Then the message is a hint: a high-priority sync of the calendar is queued (coalesced), unless it
 * carries the sync-token the calendar is already at. A VAPID key rotation queues a new registration.
 */
import { CalsyncError, ValidationError } from '../../errors.js';
import { decodeCursor } from '../../providers/caldav/cursor.js';
import { parsePushMessage } from '../../providers/caldav/push-message.js';
import type { JobQueue } from '../../queue/types.js';
import type { Store } from '../../store/types.js';
import type { Clock } from '../../util/clock.js';
import { enqueueCalendarSync } from '../sync-jobs.js';
import { decryptPushMessage } from './message-encryption.js';
import type { PushDirectory } from './push-directory.js';
import { parsePushResourceId, type PushTarget } from './push-urls.js';
import { enqueueEnsurePush } from './registration-manager.js';
import { verifyVapid } from './vapid.js';

export interface PushIntakeDeps {
  store: Store;
  queue: JobQueue;
  clock: Clock;
  directory: PushDirectory;
}

export interface ReceivedPush {
  /** The last path segment of the push resource URL. */
  resourceId: string;
  contentEncoding: string | undefined;
  authorization: string | undefined;
  body: Buffer;
}

/** `sync`: a sync was queued; `current`: the calendar already has that sync-token; `reregister`: key rotation. */
export type PushOutcome = 'sync' | 'current' | 'reregister';

export class PushIntake {
  constructor(private readonly deps: PushIntakeDeps) {}

  async receive(push: ReceivedPush): Promise<PushOutcome> {
    const target = parsePushResourceId(push.resourceId);
    const endpoint = target && (await this.deps.directory.find(target));
    if (!target || !endpoint) throw new CalsyncError('NOT_FOUND', 'no such push subscription');
    const { registration, secrets } = endpoint;
    if (push.contentEncoding?.trim().toLowerCase() !== 'aes128gcm') throw new ValidationError('push messages must be encrypted with Content-Encoding: aes128gcm (RFC 8291)');
    if (registration.vapidPublicKey) {
      verifyVapid({ authorization: push.authorization, expectedKey: registration.vapidPublicKey, audience: new URL(registration.publicUrl).origin, now: this.deps.clock.now() });
    }
    const message = parsePushMessage(decryptPushMessage(push.body, secrets.keys).toString('utf8'));
    if (message.keyRotation) {
      await enqueueEnsurePush(this.deps.queue, target.tenantId, target.calendarId, 'recreate', { priority: 'high' });
      return 'reregister';
    }
    if (message.topic !== registration.topic) throw new ValidationError('the push message names another topic than this calendar has');
    if (message.syncToken !== undefined && message.syncToken === (await this.currentSyncToken(target))) return 'current';
    await enqueueCalendarSync(this.deps.queue, target.tenantId, target.calendarId, { priority: 'high', reason: 'push' });
    return 'sync';
  }

  /**
   * The sync-token of the calendar's cursor (what its last sync saw), when it has one — and none while
   * writes made after that cursor remain to be checked: a content-hash token equal to the cursor's may
   * then mean another client undid them (see sync/written.ts).
   */
  private async currentSyncToken(target: PushTarget): Promise<string | undefined> {
    const { cursor, written } = await this.deps.store.syncState.get(target.tenantId, target.calendarId);
    if (written !== undefined) return undefined;
    try {
      return cursor === undefined ? undefined : decodeCursor(cursor).syncToken;
    } catch {
      return undefined;
    }
  }
}
