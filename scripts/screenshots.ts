/**
 * `npm run screenshots`: every dashboard view at 1440×900 and 390×844, written to `screenshots/`
 * (not committed). The same in-process service the browser tests use (test/browser/harness.ts): a
 * tenant with a planner, a studio calendar with a ceremony and a tasting in the coming days, a
 * conflict to decide and a job that could not run — so no view is empty.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { addTenantUser } from '../src/service/sign-in.js';
import { makeWeddingEvent, zoned } from '../test/support/events.js';
import { launchChromium } from '../test/browser/chromium.js';
import { startDashboardHarness } from '../test/browser/harness.js';

const OUT = process.env.CALSYNC_SCREENSHOTS_DIR ?? 'screenshots';
const EMAIL = 'anna@bloomandvow.example';
const PASSWORD = 'petals and vows 2026';
const VIEWPORTS = [
  { name: 'desktop', width: 1440, height: 900 },
  { name: 'phone', width: 390, height: 844 },
] as const;
/** Each view: the section shown (scrolled to the top of the screen), or the whole page for sign-in. */
const VIEWS = [
  { name: 'agenda', selector: '#agenda' },
  { name: 'conflict', selector: '#conflicts' },
  { name: 'calendars', selector: '#integrations', before: (page: Page) => page.click('#connect-open') },
  { name: 'could-not-sync', selector: '#dead-letters' },
  { name: 'history', selector: '#history', before: async (page: Page) => {
    await page.fill('#history-query', 'tasting');
    await page.click('#history-form button[type="submit"]');
    await page.click('#event-results .event-result');
    await page.waitForSelector('[data-testid="audit-entry"]');
  } },
] as const;

const inDays = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const h = await startDashboardHarness();
  const chrome = await launchChromium();
  try {
    await addTenantUser(h.store, h.tenantId, { email: EMAIL, name: 'Anna', password: PASSWORD });
    const { calendar: studio } = await h.addCalendar('Studio calendar', 'Weddings');
    await h.addCalendar('Planner’s iPhone', 'Planner');
    const client = h.server.otherClient(studio.remoteId);
    const day = inDays(9);
    const tasting = makeWeddingEvent('tasting', { location: 'The Old Barn kitchen', start: zoned(`${inDays(3)}T12:00:00`), end: zoned(`${inDays(3)}T13:30:00`) }, day);
    client.create(makeWeddingEvent('ceremony', { location: 'St Mary’s, Ashford' }, day));
    client.create(makeWeddingEvent('reception', { location: 'Rosewood Hall', start: zoned(`${day}T17:00:00`), end: zoned(`${day}T23:30:00`) }, day));
    client.create(tasting);
    await h.syncNow(studio.id);
    const hub = await h.store.events.getByUid(h.tenantId, tasting.uid);
    if (!hub) throw new Error('the tasting did not reach WedSync');
    await h.store.events.put(h.tenantId, { id: hub.id, event: { ...hub.event, title: 'Menu tasting with the chef', location: 'Rosewood Hall kitchen' }, source: 'wedsync', expectedVersion: hub.version });
    const remoteId = h.server.items(studio.remoteId).find((i) => i.event.uid === tasting.uid)?.remoteId;
    if (remoteId) client.update(remoteId, (e) => ({ ...e, title: 'Final menu tasting', location: 'The Old Barn, garden room' }));
    await h.syncNow(studio.id);
    const { calendar: old } = await h.addCalendar('Old calendar server', 'Archive', { unreachable: true });
    const { id } = await h.queue.enqueue({ type: 'sync.calendar', tenantId: h.tenantId, payload: { calendarId: old.id, reason: 'screenshots' }, priority: 'low', attempts: 1 });
    for (let i = 0; i < 100 && (await h.queue.get(id))?.state !== 'dead'; i += 1) await new Promise((r) => setTimeout(r, 100));

    for (const viewport of VIEWPORTS) {
      const page = await chrome.context.newPage();
      await page.setViewportSize({ width: viewport.width, height: viewport.height });
      await chrome.context.clearCookies();
      await page.goto(`${h.baseUrl}/dashboard`);
      await page.waitForSelector('#login:not([hidden])');
      const shot = (name: string) => join(OUT, `${name}-${viewport.name}-${viewport.width}x${viewport.height}.png`);
      await page.screenshot({ path: shot('sign-in') });
      await page.fill('#email', EMAIL);
      await page.fill('#password', PASSWORD);
      await page.click('#login-form button[type="submit"]');
      await page.waitForSelector('body[data-ready="true"]');
      await page.waitForSelector('[data-testid="agenda-event"]');
      for (const view of VIEWS) {
        if ('before' in view) await view.before(page);
        await page.locator(view.selector).evaluate((el) => el.scrollIntoView({ block: 'start' }));
        await page.screenshot({ path: shot(view.name) });
        process.stdout.write(`${shot(view.name)}\n`);
      }
      await page.close();
    }
  } finally {
    await chrome.close();
    await h.close();
  }
}

await main();
