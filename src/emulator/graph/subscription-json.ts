/**
 * Subscription resources and notification payloads as Graph sends them (resources/subscription.md,
 * concepts/change-notifications-delivery-webhooks.md, change-notifications-lifecycle-events.md).
 */
import { newOpaqueToken } from './ids.js';
import { publicId } from './instances.js';
import type { StoreChange } from './model.js';
import type { NotificationItem } from './notifier.js';

export type LifecycleEvent = 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed';

export interface Subscription {
  id: string;
  resource: string;
  changeType: string;
  clientState: string | null;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  expirationMs: number;
  applicationId: string;
  creatorId: string;
  tenantId: string;
  mailboxId: string;
  calendarId: string;
  latestSupportedTlsVersion: string;
  includeResourceData: boolean;
  /** Expiry of the access token the subscription was last authorized with (null: never lapses). */
  tokenExpiresMs: number | null;
  lastReauthNoticeMs: number | null;
  /** Created with `Prefer: IdType="ImmutableId"`: notifications name events by immutable id. */
  immutableIds: boolean;
}

/** Every documented property; unset ones are null. */
export function renderSubscription(sub: Subscription): Record<string, unknown> {
  return {
    id: sub.id,
    resource: sub.resource,
    applicationId: sub.applicationId,
    changeType: sub.changeType,
    clientState: sub.clientState,
    notificationUrl: sub.notificationUrl,
    notificationQueryOptions: null,
    lifecycleNotificationUrl: sub.lifecycleNotificationUrl,
    expirationDateTime: new Date(sub.expirationMs).toISOString(),
    creatorId: sub.creatorId,
    includeResourceData: sub.includeResourceData,
    latestSupportedTlsVersion: sub.latestSupportedTlsVersion,
    encryptionCertificate: null,
    encryptionCertificateId: null,
    notificationUrlAppId: null,
    notificationContentType: null,
  };
}

/** A change notification without resource data: the resource path and id, never the event. */
export function changeNotification(sub: Subscription, change: StoreChange): NotificationItem {
  const resourceId = publicId(change.mailbox, change.resourceId, sub.immutableIds);
  const path = `Users/${change.mailbox.id}/Events/${resourceId}`;
  return {
    // Each notification carries an id of its own (the samples' "id": "lsgTZMr9KwAAA").
    id: newOpaqueToken(9),
    subscriptionId: sub.id,
    subscriptionExpirationDateTime: new Date(sub.expirationMs).toISOString(),
    changeType: change.changeType,
    resource: path,
    resourceData: { '@odata.type': '#Microsoft.Graph.Event', '@odata.id': path, '@odata.etag': `W/"${change.changeKey}"`, id: resourceId },
    clientState: sub.clientState,
    tenantId: sub.tenantId,
  };
}

export function lifecycleNotification(sub: Subscription, event: LifecycleEvent): NotificationItem {
  return {
    subscriptionId: sub.id,
    subscriptionExpirationDateTime: new Date(sub.expirationMs).toISOString(),
    tenantId: sub.tenantId,
    clientState: sub.clientState,
    lifecycleEvent: event,
  };
}
