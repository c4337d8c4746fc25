/**
 * Issue 13 in real headless Chromium: a planner signs in with email and password (and with a one-time
 * link), connects a Radicale calendar through the page, chooses how it syncs, sees the agenda with a
 * tick per calendar, resolves a conflict on a 390×844 phone screen, and axe-core finds no serious or
 * critical violation on any view.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { addTenantUser, issueSignInLink } from '../../src/service/sign-in.js';
import type { CalendarRecord } from '../../src/store/types.js';
import { makeWeddingEvent, zoned } from '../support/events.js';
import { mkcalendar, startRadicale, type DavServer } from '../support/radicale.js';
import { seriousViolations } from './axe.js';
import { launchChromium } from './chromium.js';
import { startDashboardHarness, type DashboardHarness } from './harness.js';

const STEP = { timeout: 20_000 };
const EMAIL = 'anna@bloomandvow.example';
const PASSWORD = 'petals and vows 2026';

let h: DashboardHarness;
let radicale: DavServer;
let chrome: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;
let studio: CalendarRecord;
let tastingUid: string;
const pageErrors: string[] = [];

/** `YYYY-MM-DD` of today + `days` (UTC), so the events sit inside the agenda's six weeks. */
const inDays = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  radicale = await startRadicale();
  await mkcalendar(radicale.url, 'alice', 'weddings', 'Weddings');
  h = await startDashboardHarness({ allowPrivateUrls: true });
  await addTenantUser(h.store, h.tenantId, { email: EMAIL, name: 'Anna', password: PASSWORD });
  ({ calendar: studio } = await h.addCalendar('Studio calendar', 'Weddings'));

  // A ceremony and a tasting in the coming days, in the studio's calendar and so in WedSync.
  const client = h.server.otherClient(studio.remoteId);
  const ceremonyDay = inDays(9);
  const tastingDay = inDays(3);
  const tasting = makeWeddingEvent('tasting', { location: 'The Old Barn kitchen', start: zoned(`${tastingDay}T12:00:00`), end: zoned(`${tastingDay}T13:30:00`) }, ceremonyDay);
  tastingUid = tasting.uid;
  client.create(makeWeddingEvent('ceremony', {}, ceremonyDay));
  client.create(tasting);
  await h.syncNow(studio.id);

  // Both sides change the tasting's title and place: a decision for the planner.
  const hub = await h.store.events.getByUid(h.tenantId, tastingUid);
  if (!hub) throw new Error('the tasting did not reach the hub');
  await h.store.events.put(h.tenantId, { id: hub.id, event: { ...hub.event, title: 'Menu tasting with the chef', location: 'Rosewood Hall kitchen' }, source: 'wedsync', expectedVersion: hub.version });
  const remoteId = h.server.items(studio.remoteId).find((i) => i.event.uid === tastingUid)?.remoteId;
  client.update(remoteId!, (e) => ({ ...e, title: 'Final menu tasting', location: 'The Old Barn, garden room' }));
  await h.syncNow(studio.id);
  expect(await h.store.conflicts.list(h.tenantId, { status: 'open' })).toHaveLength(1);

  chrome = await launchChromium();
  page = await chrome.context.newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.text().includes('401')) pageErrors.push(msg.text());
  });
});

afterAll(async () => {
  await chrome?.close();
  await h?.close();
  await radicale?.stop();
});

async function expectAccessible(p: Page, view: string): Promise<void> {
  const violations = await seriousViolations(p);
  expect(violations, `${view}: ${JSON.stringify(violations, null, 1)}`).toEqual([]);
}

describe('a planner in Chromium', () => {
  it('signs in with email and password (a wrong one is refused), with a skip link and an accessible form', async () => {
    await page.goto(`${h.baseUrl}/dashboard`);
    await page.waitForSelector('#login:not([hidden])', STEP);
    expect(await page.locator('h1:visible').first().textContent()).toBe('Sign in');
    await expectAccessible(page, 'sign-in');
    // The skip link is the first stop of the keyboard and shows itself when focused.
    const firstFocusable = await page.evaluate(() => document.querySelector<HTMLElement>('a[href], button, input, select, textarea')?.textContent);
    expect(firstFocusable).toBe('Skip to content');
    await page.focus('.skip');
    expect((await page.locator('.skip').boundingBox())!.y).toBeGreaterThanOrEqual(0);
    await page.fill('#email', EMAIL);
    await page.fill('#password', 'not the password');
    await page.click('#login-form button[type="submit"]');
    await expect.poll(() => page.textContent('#login-error'), STEP).toContain('do not match');
    await page.fill('#password', PASSWORD);
    await page.click('#login-form button[type="submit"]');
    await page.waitForSelector('body[data-ready="true"]', STEP);
    await expect.poll(() => page.textContent('#tenant'), STEP).toContain('Anna');
    expect(await page.locator('#agenda h1').textContent()).toBe('Your next weeks');
  });

  it('shows the agenda by day, the ceremony marked, a tick per calendar, and what needs attention in plain words', async () => {
    const events = page.locator('[data-testid="agenda-event"]');
    await expect.poll(() => events.count(), STEP).toBe(2);
    expect(await events.first().textContent()).toContain('Menu tasting with the chef');
    expect(await events.nth(1).locator('.critical-tag').textContent()).toBe('Wedding day');
    expect(await events.first().locator('[data-testid="sync-tick"]').getAttribute('data-state')).toBe('conflict');
    expect(await events.nth(1).locator('[data-testid="sync-tick"]').getAttribute('data-state')).toBe('synced');
    expect(await page.textContent('[data-testid="attention"]')).toContain('1 change needs your decision');
    const text = (await page.textContent('#app')) ?? '';
    for (const jargon of ['LAG', 'PUSH UNTIL', 'ECONNREFUSED']) expect(text.toUpperCase()).not.toContain(jargon);
    expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/);
    await expectAccessible(page, 'agenda (desktop)');
  });

  it('connects a Radicale calendar through the page, warns about connecting it twice, and sets its direction', async () => {
    await page.click('#connect-open');
    await expectAccessible(page, 'connect form');
    expect(await page.isVisible('#connect-password-help a')).toBe(true);
    await page.check('#connect input[value="caldav"]');
    await page.fill('#connect-url', radicale.url);
    await page.fill('#connect-username', 'alice');
    await page.fill('#connect-password', 'x');
    await page.fill('#connect-name', 'Studio iPad');
    await page.click('#connect-submit');
    const card = page.locator('[data-testid="integration-card"]', { hasText: 'Studio iPad' });
    await card.waitFor(STEP);
    expect(await page.textContent('#banner')).toContain('Connected “Studio iPad”: 1 calendar found');
    const row = card.locator('[data-testid="calendar-row"]');
    expect(await row.textContent()).toContain('Weddings');
    const integration = (await h.store.integrations.list(h.tenantId)).find((i) => i.name === 'Studio iPad');
    expect(integration?.provider).toBe('caldav');

    await page.click('#connect-open');
    await page.check('#connect input[value="caldav"]');
    await page.fill('#connect-url', radicale.url);
    await page.fill('#connect-username', 'alice');
    await expect.poll(() => page.textContent('#connect-duplicate'), STEP).toContain('connected already as “Studio iPad”');
    await page.click('#connect-cancel');

    await row.locator('[data-testid="calendar-direction"]').selectOption('export_only');
    const radCal = (await h.store.calendars.list(h.tenantId, integration!.id))[0]!;
    await expect.poll(async () => (await h.store.calendars.get(h.tenantId, radCal.id))?.direction, STEP).toBe('export_only');
    await page.locator(`[data-testid="calendar-row"][data-calendar-id="${radCal.id}"] [data-testid="calendar-direction"]`).selectOption('two_way');
    await expect.poll(async () => (await h.store.calendars.get(h.tenantId, radCal.id))?.direction, STEP).toBe('two_way');

    // Sync it: the agenda's tick for the new calendar turns from "on its way" to "in the calendar".
    const tick = page.locator(`[data-testid="agenda-event"]:has-text("ceremony") [data-testid="sync-tick"][data-calendar-id="${radCal.id}"]`);
    await tick.waitFor(STEP);
    expect(await tick.getAttribute('data-state')).toBe('waiting');
    await page.click(`[data-testid="sync-now"][data-calendar-id="${radCal.id}"]`);
    await expect
      .poll(async () => {
        await page.click('#refresh');
        await page.waitForSelector('body[data-ready="true"]');
        return tick.getAttribute('data-state');
      }, { timeout: 30_000, interval: 500 })
      .toBe('synced');
  });

  it('resolves a conflict on a 390×844 phone screen: the diff stacks, no sideways scrolling, every choice in reach', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.locator('[data-testid="sync-tick"][data-state="conflict"]').first().click();
    const diff = page.locator('[data-testid="diff"]');
    await diff.waitFor(STEP);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await expectAccessible(page, 'conflict (phone)');
    const choice = page.locator('[data-testid="choose-location-provider"]');
    await choice.scrollIntoViewIfNeeded();
    const box = await choice.boundingBox();
    expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    await page.check('[data-testid="choose-title-wedsync"]');
    await choice.check();
    await page.click('[data-testid="resolve-fields"]');
    await expect.poll(() => page.locator('[data-testid="conflict-item"]').count(), STEP).toBe(0);
    const hub = await h.store.events.getByUid(h.tenantId, tastingUid);
    expect({ title: hub?.event.title, location: hub?.event.location }).toEqual({ title: 'Menu tasting with the chef', location: 'The Old Barn, garden room' });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await expectAccessible(page, 'agenda (phone)');
    await page.setViewportSize({ width: 1360, height: 1000 });
  });

  it('signs in once with a one-time link; the link leaves the address bar and does not work twice', async () => {
    const link = await issueSignInLink(h.store, h.store.clock, h.tenantId, { baseUrl: h.baseUrl });
    const other = await chrome.context.browser()?.newContext();
    const fresh = other ? await other.newPage() : await chrome.context.newPage();
    try {
      await chrome.context.clearCookies();
      await fresh.goto(link.url);
      await fresh.waitForSelector('body[data-ready="true"]', STEP);
      expect(fresh.url()).not.toContain('signin=');
      await fresh.goto(link.url);
      await fresh.evaluate(() => fetch('/api/v1/session', { method: 'DELETE' }));
      await fresh.reload();
      await fresh.waitForSelector('#login:not([hidden])', STEP);
      await expect.poll(() => fresh.textContent('#login-error'), STEP).toContain('used already or has expired');
    } finally {
      await fresh.close();
      await other?.close();
    }
  });

  it('ran without script errors or CSP violations', () => {
    expect(pageErrors).toEqual([]);
  });
});
