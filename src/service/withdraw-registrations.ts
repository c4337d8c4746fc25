/**
 * Before an integration is deleted (CLI `disconnect`, API `DELETE /integrations/:id`), the change
 * notifications it set up on the calendar servers are withdrawn while its credentials still exist:
 * Graph subscriptions for Outlook, WebDAV-Push registrations for CalDAV and iCloud. Otherwise Microsoft
 * or the CalDAV server keeps posting to us until the subscription lapses (up to days).
 */
import type { Integration } from '../store/types.js';
import type { OutlookJobDeps } from './outlook/jobs.js';
import { SubscriptionManager } from './outlook/subscription-manager.js';
import { pushRegistrationManagerFor, type PushJobDeps } from './webdav-push/jobs.js';

export type WithdrawDeps = OutlookJobDeps & PushJobDeps;

export async function withdrawRegistrations(deps: WithdrawDeps, integration: Integration): Promise<void> {
  if (integration.provider === 'outlook') {
    // Removal needs no public URL: a CLI run without CALSYNC_PUBLIC_URL still deletes what serve created.
    const directory = deps.subscriptionDirectory;
    const manager = new SubscriptionManager({
      store: deps.store,
      queue: deps.queue,
      providers: deps.providers,
      clock: deps.clock,
      ...(deps.logger ? { logger: deps.logger } : {}),
      ...(directory ? { onRecordChanged: (calendarId: string) => directory.invalidate(calendarId) } : {}),
    });
    await manager.removeAll(integration);
  }
  else if (integration.provider === 'caldav' || integration.provider === 'icloud') await pushRegistrationManagerFor(deps).removeAll(integration);
}
