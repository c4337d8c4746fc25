/**
 * Where live Graph is stricter than a kind emulator (issue 15): each behaviour on by default, each
 * option's lenient side checked once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, event, startHarness, startReceiver, until } from './helpers.js';

const USER = 'adele@contoso.onmicrosoft.com';
const IMMUTABLE = { prefer: 'IdType="ImmutableId"' };

describe('Graph emulator, strict by default', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('returns a body written as text as HTML, and as text only when the reader prefers text', async () => {
    const created = await h.client.api('/me/events').post(event('Bodies', '2026-06-20T10:00:00', '2026-06-20T11:00:00', { body: { contentType: 'text', content: 'Line one\n\nLine <two> & "three"\n  indented' } }));
    expect(created.body.contentType).toBe('html');
    const asHtml = await h.call('GET', `/me/events/${created.id}`);
    const body = (asHtml.body as { body: { contentType: string; content: string } }).body;
    expect(body.contentType).toBe('html');
    expect(body.content).toMatch(/^<html>\r\n<head>/);
    expect(body.content).toContain('Line one<br>\r\n<br>\r\nLine &lt;two&gt; &amp; &quot;three&quot;<br>\r\n&nbsp;&nbsp;indented');
    const asText = await h.call('GET', `/me/events/${created.id}`, { headers: { prefer: 'outlook.body-content-type="text"' } });
    expect(asText.headers['preference-applied']).toContain('outlook.body-content-type="text"');
    expect((asText.body as { body: unknown }).body).toEqual({ contentType: 'text', content: 'Line one\n\nLine <two> & "three"\n  indented' });
  });

  it('refuses calendarView, delta and instances windows over 1,825 days with Graph\'s message, and allows 1,825', async () => {
    const series = await h.client.api('/me/events').post(
      event('Daily', '2020-01-01T08:00:00', '2020-01-01T09:00:00', { recurrence: { pattern: { type: 'daily', interval: 7 }, range: { type: 'noEnd', startDate: '2020-01-01' } } }),
    );
    const tooLong = 'startDateTime=2020-01-01T00:00:00Z&endDateTime=2025-01-01T00:00:00Z';
    for (const path of ['/me/calendarView', '/me/calendarView/delta', `/me/events/${series.id}/instances`]) {
      const res = await h.call('GET', `${path}?${tooLong}`);
      expect(res.status, path).toBe(400);
      expect(res.body, path).toMatchObject({
        error: { code: 'ErrorInvalidRequest', message: "Your request can't be completed. The range between the start and end dates is greater than the allowed range. Maximum number of days: 1825" },
      });
    }
    const exactly = 'startDateTime=2020-01-01T00:00:00Z&endDateTime=2024-12-30T00:00:00Z';
    const ok = await h.call('GET', `/me/events/${series.id}/instances?${exactly}&$top=1`);
    expect(ok.status).toBe(200);
  });

  it('sends the validation token form-encoded, as Graph does', async () => {
    const rx = await startReceiver();
    try {
      await h.client.api('/subscriptions').post({ changeType: 'updated', notificationUrl: `${rx.url}/n`, resource: '/me/events', expirationDateTime: new Date(Date.now() + 3_600_000).toISOString() });
      const raw = rx.received[0]?.url ?? '';
      expect(raw).toMatch(/validationToken=Validation%3a\+Testing\+client\+application\+reachability\+for\+subscription\+Request-Id%3a\+[0-9a-f-]{36}$/);
    } finally {
      await rx.close();
    }
  });

  it('honours Prefer: IdType="ImmutableId": ids survive a move to another calendar, regular ids do not', async () => {
    const other = await h.client.api('/me/calendars').post({ name: 'Moved to' });
    const created = await h.call('POST', '/me/events', { body: event('Mover', '2026-06-21T10:00:00', '2026-06-21T11:00:00'), headers: IMMUTABLE });
    expect(created.headers['preference-applied']).toContain('IdType="ImmutableId"');
    const immutableId = (created.body as { id: string }).id;
    const regularId = ((await h.call('GET', `/me/events/${immutableId}`)).body as { id: string }).id;
    expect(regularId).not.toBe(immutableId);
    const moved = h.emu.admin.moveEvent(USER, immutableId, other.id);
    expect(moved.immutableId).toBe(immutableId);
    expect(moved.regularId).not.toBe(regularId);
    expect((await h.call('GET', `/me/events/${regularId}`)).status).toBe(404);
    const again = await h.call('GET', `/me/calendars/${other.id}/events/${immutableId}`, { headers: IMMUTABLE });
    expect(again.status).toBe(200);
    expect((again.body as { id: string; subject: string }).id).toBe(immutableId);
    const listed = await h.call('GET', `/me/calendars/${other.id}/events`);
    expect((listed.body as { value: { id: string }[] }).value.map((e) => e.id)).toEqual([moved.regularId]);
  });

  it('throttles a large $batch per request: some inner requests answer 429 inside the 200', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i += 1) ids.push((await h.client.api('/me/events').post(event(`B${i}`, '2026-07-01T10:00:00', '2026-07-01T11:00:00'))).id);
    const res = await h.call('POST', '/$batch', { body: { requests: ids.map((id, i) => ({ id: String(i), method: 'GET', url: `/me/events/${id}` })) } });
    expect(res.status).toBe(200);
    const statuses = (res.body as { responses: { status: number; body: { error?: { code: string } } }[] }).responses;
    const throttled = statuses.filter((r) => r.status === 429);
    expect(throttled.length).toBeGreaterThan(0);
    expect(throttled[0]?.body.error?.code).toBe('ApplicationThrottled');
    expect(statuses.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(4);
    // Each inner request is logged (and counted against the mailbox) on its own.
    expect(h.emu.admin.requests().filter((r) => r.inBatch && r.status === 429).length).toBe(throttled.length);
  });

  it('reports an all-day series in another zone with originalStartTimeZone "UTC" and originalStart at the creator\'s midnight', async () => {
    const series = await h.client.api('/me/events').post({
      subject: 'Tokyo all-day',
      isAllDay: true,
      start: { dateTime: '2026-08-03T00:00:00', timeZone: 'Tokyo Standard Time' },
      end: { dateTime: '2026-08-04T00:00:00', timeZone: 'Tokyo Standard Time' },
      recurrence: { pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] }, range: { type: 'numbered', startDate: '2026-08-03', numberOfOccurrences: 3 } },
    });
    expect(series.originalStartTimeZone).toBe('UTC');
    const instances = await h.client.api(`/me/events/${series.id}/instances?startDateTime=2026-08-01T00:00:00Z&endDateTime=2026-08-30T00:00:00Z`).get();
    const first = instances.value[0];
    expect(first.originalStartTimeZone).toBe('UTC');
    expect(first.originalStart).toBe('2026-08-02T15:00:00Z');
    expect(first.start.dateTime).toBe('2026-08-03T00:00:00.0000000');
  });
});

describe('Graph emulator, lenient options', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ batchConcurrency: 4, strict: { htmlBodies: false, maxWindowDays: 0, expiredDeltaToken: 'documented', allDayOriginalZoneUtc: false, formEncodedValidationToken: false } });
  });
  afterAll(() => h.close());

  it('keeps bodies as written, allows long windows, runs 4 batch requests at once, names zones truthfully and answers syncStateNotFound', async () => {
    const created = await h.client.api('/me/events').post(event('Plain', '2026-06-20T10:00:00', '2026-06-20T11:00:00', { body: { contentType: 'text', content: 'as written' } }));
    expect((await h.client.api(`/me/events/${created.id}`).get()).body).toEqual({ contentType: 'text', content: 'as written' });
    expect((await h.call('GET', '/me/calendarView?startDateTime=2020-01-01T00:00:00Z&endDateTime=2030-01-01T00:00:00Z')).status).toBe(200);
    const requests = Array.from({ length: 12 }, (_, i) => ({ id: String(i), method: 'GET', url: `/me/events/${created.id}` }));
    const batch = await h.call('POST', '/$batch', { body: { requests } });
    expect((batch.body as { responses: { status: number }[] }).responses.every((r) => r.status === 200)).toBe(true);
    const allDay = await h.client.api('/me/events').post({
      subject: 'Tokyo all-day', isAllDay: true,
      start: { dateTime: '2026-08-03T00:00:00', timeZone: 'Tokyo Standard Time' }, end: { dateTime: '2026-08-04T00:00:00', timeZone: 'Tokyo Standard Time' },
      recurrence: { pattern: { type: 'daily', interval: 1 }, range: { type: 'numbered', startDate: '2026-08-03', numberOfOccurrences: 2 } },
    });
    expect(allDay.originalStartTimeZone).toBe('Tokyo Standard Time');
    h.emu.admin.expireDeltaTokens();
    const expired = await h.call('GET', '/me/calendarView/delta?$deltatoken=gone');
    expect(expired.status).toBe(410);
    expect(expired.body).toMatchObject({ error: { code: 'syncStateNotFound' } });
  });
});

describe('Graph emulator: a dead webhook receiver never changes what the mailbox API answers', () => {
  it('answers every write truthfully while notifications and lifecycle notices to dead URLs are dropped', async () => {
    // Both URLs validate, then die: every delivery fails, counts as slow, and after the sample both are
    // "too slow" — the state in which a notifier that recursed used to fail writes it had applied.
    const rx = await startReceiver();
    const h = await startHarness({ delivery: { timeoutMs: 200, retryBaseMs: 10, retryMaxMs: 20, maxAttempts: 2, slowThresholdMs: 50, slowMinSample: 4, pumpIntervalMs: 10 } });
    try {
      await h.client.api('/subscriptions').post({
        changeType: 'created,updated,deleted', notificationUrl: `${rx.url}/notify`, lifecycleNotificationUrl: `${rx.url}/lifecycle`,
        resource: '/me/events', expirationDateTime: new Date(Date.now() + 3_600_000).toISOString(),
      });
      await rx.close();
      const ids: string[] = [];
      for (let i = 0; i < 30; i += 1) {
        const res = await h.call('POST', '/me/events', { body: event(`Write ${i}`, '2026-06-20T10:00:00', '2026-06-20T11:00:00') });
        expect(res.status, `write ${i}`).toBe(201);
        ids.push((res.body as { id: string }).id);
        if (i % 10 === 9) await until(() => h.emu.admin.deliveries().filter((d) => d.outcome !== 'delivered').length > i / 2);
      }
      const patched = await h.call('PATCH', `/me/events/${ids[0]}`, { body: { subject: 'still answered' } });
      expect(patched.status).toBe(200);
      expect((await h.call('DELETE', `/me/events/${ids[1]}`)).status).toBe(204);
      const listed = await h.call('GET', '/me/events?$top=100');
      expect((listed.body as { value: unknown[] }).value).toHaveLength(29);
      expect(h.emu.admin.deliveries().some((d) => d.outcome === 'dropped' && d.error === 'endpoint too slow')).toBe(true);
    } finally {
      await h.close();
    }
  });
});
