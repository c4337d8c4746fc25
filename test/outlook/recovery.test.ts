/**
 * Recovery against the emulator: lost notifications (`missed`), a subscription Graph removed, an expired
 * delta token, a throttling storm, and a forged notification.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HubEvent } from '../../src/model/event.js';
import { readRecord } from '../../src/service/outlook/subscription-record.js';
import { drainOutbox } from '../../src/service/outbox/drainer.js';
import { SYNC_CALENDAR_JOB } from '../../src/service/sync-jobs.js';
import { makeEvent } from '../support/events.js';
import { eventually, outlookHarness, type OutlookHarness } from './harness.js';

const outlookEvent = (subject: string, hour = 10) => ({
  subject,
  start: { dateTime: `2026-07-10T${String(hour).padStart(2, '0')}:00:00`, timeZone: 'UTC' },
  end: { dateTime: `2026-07-10T${String(hour + 1).padStart(2, '0')}:00:00`, timeZone: 'UTC' },
});

describe('Outlook recovery paths (emulator)', () => {
  let h: OutlookHarness;
  beforeEach(async () => {
    h = await outlookHarness();
    await h.manager.ensure(h.tenantId, h.calendar.id);
    h.startWorkers();
    await eventually(async () => (await h.store.syncState.get(h.tenantId, h.calendar.id)).lastSuccessAt);
  });
  afterEach(async () => h.close());

  const titles = async (): Promise<string[]> => (await h.store.events.list(h.tenantId)).map((e: HubEvent) => e.event.title).sort();
  const record = async () => readRecord(await h.store.syncState.get(h.tenantId, h.calendar.id));
  const path = `/calendars/${'{id}'}/events`;
  const eventsPath = () => path.replace('{id}', h.calendar.remoteId);

  it('`missed`: changes whose notifications were dropped arrive through the delta resync it triggers', async () => {
    h.emu.admin.setNotificationFaults({ drop: 10 });
    await h.act('POST', eventsPath(), outlookEvent('Dropped notification 1'));
    await h.act('POST', eventsPath(), outlookEvent('Dropped notification 2', 12));
    await h.emu.admin.flushNotifications();
    await new Promise((r) => setTimeout(r, 300));
    expect(await titles()).not.toContain('Dropped notification 1');
    h.emu.admin.setNotificationFaults({ drop: 0 });
    expect(h.emu.admin.sendLifecycle((await record())!.subscriptionId, 'missed')).toBe(true);
    await eventually(async () => (await titles()).includes('Dropped notification 2') && (await titles()).includes('Dropped notification 1'));
  });

  it('`subscriptionRemoved`: a new subscription is created and a delta sync picks up what happened meanwhile', async () => {
    const before = (await record())!;
    h.emu.admin.setNotificationFaults({ drop: 1 });
    await h.act('POST', eventsPath(), outlookEvent('Made while removed'));
    h.emu.admin.setNotificationFaults({ drop: 0 });
    expect(h.emu.admin.removeSubscription(before.subscriptionId)).toBe(true);
    const after = await eventually(async () => {
      const r = await record();
      return r && r.subscriptionId !== before.subscriptionId ? r : undefined;
    });
    expect(h.emu.admin.subscriptions().map((s) => s.id)).toEqual([after.subscriptionId]);
    await eventually(async () => (await titles()).includes('Made while removed'));
    // And the new subscription delivers.
    await h.act('POST', eventsPath(), outlookEvent('After recreate', 14));
    await eventually(async () => (await titles()).includes('After recreate'));
  });

  it('an expired delta token means a full resync without loss', async () => {
    await h.act('POST', eventsPath(), outlookEvent('Before expiry'));
    await eventually(async () => (await titles()).includes('Before expiry'));
    h.emu.admin.expireDeltaTokens();
    await h.act('POST', eventsPath(), outlookEvent('After expiry', 12));
    await eventually(async () => (await titles()).includes('After expiry'));
    const hubTitles = await titles();
    expect(hubTitles.filter((t) => t === 'Before expiry')).toHaveLength(1);
    expect(hubTitles.filter((t) => t === 'After expiry')).toHaveLength(1);
    const state = await h.store.syncState.get(h.tenantId, h.calendar.id);
    expect(state.lastError).toBeUndefined();
  });

  it('a throttling storm: every hub write reaches Outlook eventually, none dropped', async () => {
    h.emu.admin.addFault({ rule: { kind: 'throttle', retryAfterS: 1, code: 'ApplicationThrottled' }, count: 12, method: 'POST' });
    const created: string[] = [];
    for (let i = 0; i < 15; i += 1) {
      const e = await h.store.events.put(h.tenantId, { event: makeEvent({ title: `Storm ${i}` }), source: 'wedsync' });
      created.push(e.id);
    }
    await drainOutbox(h, h.tenantId);
    const outlookSubjects = async (): Promise<string[]> => {
      const body = (await h.act('GET', `${eventsPath()}?$top=100`)).body as { value: { subject: string }[] };
      return body.value.map((e) => e.subject).filter((s) => s.startsWith('Storm '));
    };
    const linked = async (): Promise<number> => (await Promise.all(created.map((id) => h.store.links.getByHubEvent(h.tenantId, h.calendar.id, id)))).filter(Boolean).length;
    await eventually(async () => (await linked()) === 15, 60_000);
    await h.drain();
    const subjects = await outlookSubjects();
    expect(subjects).toHaveLength(15);
    expect(new Set(subjects).size).toBe(15);
    expect(await h.queue.deadLetters()).toEqual([]);
  }, 90_000);

  it('a forged notification at the live endpoint enqueues nothing', async () => {
    const rec = (await record())!;
    const before = h.queue.specs.length;
    const res = await fetch(rec.notificationUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ value: [{ subscriptionId: rec.subscriptionId, clientState: 'guessed-guessed-guessed-guessed-guessed-gue', changeType: 'created', resource: 'x', resourceData: { id: 'x' } }] }),
    });
    expect(res.status).toBe(202);
    expect(h.queue.specs.slice(before).filter((j) => j.type === SYNC_CALENDAR_JOB)).toEqual([]);
  });
});
