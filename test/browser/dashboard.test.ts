/**
 * The dashboard end to end in real headless Chromium (Debian's, driven by playwright-core): sign in
 * (email and password; the demo's API-key link), watch a sync run live over the WebSocket, resolve a conflict field by field, and
 * check that both sides agree afterwards. A screenshot is kept in test-artifacts/dashboard.png.
 */
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { CalendarRecord } from '../../src/store/types.js';
import { addTenantUser } from '../../src/service/sign-in.js';
import { makeWeddingEvent, zoned } from '../support/events.js';
import { seriousViolations } from './axe.js';
import { launchChromium } from './chromium.js';
import { remoteEvent, startDashboardHarness, type DashboardHarness } from './harness.js';

const ARTIFACTS = 'test-artifacts';
const STEP = { timeout: 20_000 };

let h: DashboardHarness;
let chrome: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;
let studio: CalendarRecord;
let phone: CalendarRecord;
let tastingUid: string;
const pageErrors: string[] = [];
const XSS_TITLE = '<img src=x onerror="window.pwned=1">Invoice reminder';

beforeAll(async () => {
  h = await startDashboardHarness();
  ({ calendar: studio } = await h.addCalendar('Studio Outlook', 'Weddings'));
  ({ calendar: phone } = await h.addCalendar('Apple Calendar', 'Planner’s iPhone'));

  // The couple's wedding in the studio's calendar, synced into WedSync and on to the phone.
  const studioClient = h.server.otherClient(studio.remoteId);
  const tasting = makeWeddingEvent('tasting', { location: 'The Old Barn kitchen', start: zoned('2026-07-02T12:00:00'), end: zoned('2026-07-02T13:30:00') });
  tastingUid = tasting.uid;
  for (const event of [makeWeddingEvent('ceremony'), makeWeddingEvent('reception', { start: zoned('2026-08-15T17:00:00'), end: zoned('2026-08-15T23:30:00') }), tasting]) {
    studioClient.create(event);
  }
  await h.syncNow(studio.id);
  await h.syncNow(phone.id);

  // Both sides change the tasting's title and place: a conflict for the inbox.
  const hub = await h.store.events.getByUid(h.tenantId, tastingUid);
  if (!hub) throw new Error('the tasting did not reach the hub');
  await h.store.events.put(h.tenantId, { id: hub.id, event: { ...hub.event, title: 'Menu tasting with the chef', location: 'Rosewood Hall kitchen' }, source: 'wedsync', expectedVersion: hub.version });
  const remoteId = h.server.items(studio.remoteId).find((i) => i.event.uid === tastingUid)?.remoteId;
  studioClient.update(remoteId!, (e) => ({ ...e, title: 'Final menu tasting', location: 'The Old Barn, garden room' }));
  await h.syncNow(studio.id);
  expect(await h.store.conflicts.list(h.tenantId, { status: 'open' })).toHaveLength(1);
  // Data is text, never markup: this title must show up verbatim.
  await h.store.events.put(h.tenantId, { event: makeWeddingEvent('other', { title: XSS_TITLE, start: zoned('2026-09-01T09:00:00'), end: zoned('2026-09-01T09:30:00') }), source: 'api' });

  await addTenantUser(h.store, h.tenantId, { email: 'planner@studio.example', password: 'a long enough password' });
  mkdirSync(ARTIFACTS, { recursive: true });
  chrome = await launchChromium();
  page = await chrome.context.newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') pageErrors.push(msg.text());
  });
});

afterAll(async () => {
  await chrome?.close();
  await h?.close();
});

describe('dashboard in Chromium', () => {
  it('asks for an email and password and refuses a wrong one', async () => {
    const login = await chrome.context.newPage();
    try {
      await login.goto(`${h.baseUrl}/dashboard`);
      await login.waitForSelector('#login:not([hidden])', STEP);
      await login.fill('#email', 'planner@studio.example');
      await login.fill('#password', 'not the password at all');
      await login.click('#login-form button[type="submit"]');
      await expect.poll(() => login.textContent('#login-error'), STEP).toContain('do not match');
      // The page never asks for an API key.
      expect(await login.locator('#login input').evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).name))).toEqual(['email', 'password']);
      await login.fill('#password', 'a long enough password');
      await login.click('#login-form button[type="submit"]');
      await login.waitForSelector('body[data-ready="true"]', STEP);
      expect(await login.isVisible('#login')).toBe(false);
    } finally {
      await login.close();
    }
  });

  it('loads with the key from the URL, then forgets it from the address bar', async () => {
    await page.goto(`${h.baseUrl}/?key=${encodeURIComponent(h.apiKey)}`);
    await page.waitForSelector('body[data-ready="true"]', STEP);
    expect(new URL(page.url()).pathname).toBe('/dashboard');
    expect(page.url()).not.toContain('key=');
    await expect.poll(() => page.locator('[data-testid="integration-card"]').count(), STEP).toBe(2);
    await page.waitForSelector('[data-testid="live-state"][data-state="online"]', STEP);
    expect(await page.locator('[data-testid="conflict-item"]').count()).toBe(1);
    // The test calendars have no push channel: each enabled one says it is checked on a schedule.
    const badges = await page.locator('[data-testid="push-state"]').allTextContents();
    expect(badges.length).toBeGreaterThan(0);
    expect(new Set(badges)).toEqual(new Set(['every few min']));
  });

  it('shows a sync live: started, in progress, completed with a summary', async () => {
    // Something to sync: a venue visit added in the studio calendar.
    h.server.otherClient(studio.remoteId).create(makeWeddingEvent('venue_visit', { start: zoned('2026-05-12T10:00:00'), end: zoned('2026-05-12T11:00:00') }));
    // Record every state the row goes through (the messages come faster than polling could see).
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { syncStates: string[] }).syncStates = seen;
      new MutationObserver((records) => {
        for (const r of records) {
          const el = r.target as HTMLElement;
          if (el.dataset?.state) seen.push(el.dataset.state);
        }
      }).observe(document.getElementById('sync-list')!, { subtree: true, attributes: true, attributeFilter: ['data-state'], childList: true });
    });
    await page.click(`[data-testid="sync-now"][data-calendar-id="${studio.id}"]`);
    const row = page.locator(`[data-testid="sync-row"][data-calendar-id="${studio.id}"]`);
    await row.and(page.locator('[data-state="completed"]')).waitFor(STEP);
    const states = await page.evaluate(() => (window as unknown as { syncStates: string[] }).syncStates);
    expect(states).toContain('in_progress');
    expect(await row.locator('[data-testid="sync-state"]').textContent()).toBe('Done');
    expect(await row.textContent()).toMatch(/WedSync: 1 new/);
    // The hub change fans out to the phone's calendar, live too.
    await page.locator(`[data-testid="sync-row"][data-calendar-id="${phone.id}"][data-state="completed"]`).waitFor(STEP);
  });

  it('resolves a conflict field by field from the side-by-side diff', async () => {
    await page.click('[data-testid="conflict-item"]');
    const diff = page.locator('[data-testid="diff"]');
    await diff.waitFor(STEP);
    const headers = await diff.locator('thead th').allTextContents();
    expect(headers.slice(1, 4)).toEqual(['Before (agreed)', 'WedSync', 'Studio Outlook · Weddings']);
    expect(await diff.locator('tr.conflicting').count()).toBe(2);
    expect(await diff.locator('td.changed').allTextContents()).toEqual(expect.arrayContaining(['Menu tasting with the chef', 'Final menu tasting', 'Rosewood Hall kitchen', 'The Old Barn, garden room']));

    // WedSync's title, the calendar's place.
    await page.check('[data-testid="choose-title-wedsync"]');
    await page.check('[data-testid="choose-location-provider"]');
    await page.evaluate(() => window.scrollTo(0, 0)); // the sticky header belongs at the top of a full-page shot
    await page.screenshot({ path: `${ARTIFACTS}/dashboard.png`, fullPage: true });
    await page.click('[data-testid="resolve-fields"]');
    await expect.poll(() => page.locator('[data-testid="conflict-item"]').count(), STEP).toBe(0);
    await page.waitForSelector('#conflict-empty:not([hidden])', STEP);

    expect(await h.store.conflicts.list(h.tenantId, { status: 'open' })).toHaveLength(0);
    const hub = await h.store.events.getByUid(h.tenantId, tastingUid);
    const remote = remoteEvent(h.server, studio, tastingUid);
    expect({ title: hub?.event.title, location: hub?.event.location }).toEqual({ title: 'Menu tasting with the chef', location: 'The Old Barn, garden room' });
    expect({ title: remote?.title, location: remote?.location }).toEqual({ title: 'Menu tasting with the chef', location: 'The Old Barn, garden room' });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-resolved.png`, fullPage: true });
  });

  it('shows an event’s history', async () => {
    await page.fill('#history-query', 'tasting');
    await page.click('#history-form button[type="submit"]');
    await page.click('#event-results .event-result');
    await expect.poll(() => page.locator('[data-testid="audit-entry"]').count(), STEP).toBeGreaterThanOrEqual(3);
    expect(await page.locator('[data-testid="audit"]').textContent()).toContain('by resolving a conflict');
    await page.locator('#history').screenshot({ path: `${ARTIFACTS}/dashboard-history.png` });
    expect(await seriousViolations(page)).toEqual([]);
    // Back to the version first seen in the calendar.
    await page.locator('[data-testid="audit-entry"]').last().locator('button', { hasText: 'Restore this version' }).click();
    await expect.poll(async () => (await h.store.events.getByUid(h.tenantId, tastingUid))?.event.title, STEP).toBe('Menu tasting');
    await expect.poll(() => page.locator('[data-testid="audit-entry"]').first().textContent(), STEP).toContain('Restored');
  });

  it('lists a failed job and replays, then discards it', async () => {
    // A sync against a server that is down, with a single attempt: straight to the dead letters.
    const { calendar: old } = await h.addCalendar('Old CalDAV server', 'Archive', { unreachable: true });
    const { id } = await h.queue.enqueue({ type: 'sync.calendar', tenantId: h.tenantId, payload: { calendarId: old.id, reason: 'test' }, priority: 'low', attempts: 1 });
    await expect.poll(async () => (await h.queue.get(id))?.state, STEP).toBe('dead');
    await page.click('#refresh');
    const item = page.locator(`[data-testid="dead-letter"][data-job-id="${id}"]`);
    await item.waitFor(STEP);
    expect(await item.textContent()).toContain('Sync of Archive');
    expect(await item.textContent()).toContain('calendar server unreachable');
    await item.locator('[data-testid="replay"]').click();
    await expect.poll(async () => (await h.queue.get(id))?.attemptsMade, STEP).toBeGreaterThanOrEqual(1);
    await expect.poll(async () => (await h.queue.get(id))?.state, STEP).toBe('dead');
    await page.click('#refresh');
    await item.waitFor(STEP);
    await page.locator('#dead-letters').screenshot({ path: `${ARTIFACTS}/dashboard-failed-job.png` });
    expect(await seriousViolations(page)).toEqual([]);
    await item.locator('[data-testid="discard"]').click();
    await expect.poll(() => item.count(), STEP).toBe(0);
    expect(await h.queue.deadLetters(h.tenantId)).toHaveLength(0);
  });

  it('shows data as text, never as markup', async () => {
    await page.fill('#history-query', 'invoice');
    await page.click('#history-form button[type="submit"]');
    const result = page.locator('#event-results .event-result strong');
    await expect.poll(() => result.textContent(), STEP).toBe(XSS_TITLE);
    expect(await page.locator('#event-results img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
  });

  it('ran without script errors or CSP violations', () => {
    expect(pageErrors).toEqual([]);
  });

  it('never wrote the API key to the log, and the page keeps no copy of it', async () => {
    const requests = h.logLines.map((l) => JSON.parse(l) as { msg?: string; req?: { url?: string } }).filter((l) => l.req?.url !== undefined);
    const urls = requests.map((l) => l.req!.url!);
    // The dashboard was opened with `/?key=…` and the WebSocket was used: both are request lines.
    expect(urls.some((u) => u.startsWith('/?key=[REDACTED]'))).toBe(true);
    expect(urls.some((u) => u.startsWith('/ws'))).toBe(true);
    for (const line of h.logLines) expect(line).not.toContain(h.apiKey);
    // After sign-in the browser holds a session cookie (HttpOnly: not readable by scripts), not the key.
    const storage = await page.evaluate(() => JSON.stringify({ ...sessionStorage, ...localStorage }) + document.cookie);
    expect(storage).not.toContain(h.apiKey);
    const cookies = await chrome.context.cookies(h.baseUrl);
    const session = cookies.find((c) => c.name === 'calsync_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(session?.value).not.toContain(h.apiKey);
  });
});
