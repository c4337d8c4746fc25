/**
 * The URLs Graph posts to. The tenant and calendar travel in the query string, which Graph sends back on
 * every notification (graph.md), so routing a notification needs no lookup table.
 */
export const NOTIFY_PATH = '/webhooks/graph/notify';
export const LIFECYCLE_PATH = '/webhooks/graph/lifecycle';

function withTarget(publicUrl: string, path: string, tenantId: string, calendarId: string): string {
  const base = publicUrl.replace(/\/+$/, '');
  return `${base}${path}?t=${encodeURIComponent(tenantId)}&c=${encodeURIComponent(calendarId)}`;
}

export function notificationUrl(publicUrl: string, tenantId: string, calendarId: string): string {
  return withTarget(publicUrl, NOTIFY_PATH, tenantId, calendarId);
}

export function lifecycleUrl(publicUrl: string, tenantId: string, calendarId: string): string {
  return withTarget(publicUrl, LIFECYCLE_PATH, tenantId, calendarId);
}
