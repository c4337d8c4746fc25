import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Job } from '../../src/queue/types.js';
import { errorOf, makeApi, type ApiHarness } from './harness.js';

let h: ApiHarness;
beforeEach(async () => {
  h = await makeApi();
});
afterEach(async () => {
  await h.close();
});

/** A job of each tenant that fails its only attempt. */
async function deadJobs(): Promise<{ mine: string; theirs: string }> {
  const spec = { type: 'test.fail', payload: { calendarId: 'c1' }, priority: 'high' as const, delayMs: 0, attempts: 1 };
  const mine = await h.queue.enqueue({ ...spec, tenantId: h.a.tenant.id });
  const theirs = await h.queue.enqueue({ ...spec, tenantId: h.b.tenant.id });
  const worker = h.queue.work({ 'test.fail': async () => Promise.reject(new Error('calendar server on fire')) });
  await h.queue.drain(5_000);
  await worker.stop();
  return { mine: mine.id, theirs: theirs.id };
}

describe('dead letters', () => {
  it('lists only the tenant’s dead jobs with the last error', async () => {
    const { mine } = await deadJobs();
    const res = await h.call('GET', '/api/v1/dead-letters');
    expect(res.statusCode).toBe(200);
    const jobs = res.json() as Job[];
    expect(jobs.map((j) => j.id)).toEqual([mine]);
    expect(jobs[0]).toMatchObject({ state: 'dead', type: 'test.fail', lastError: expect.stringContaining('on fire'), attemptsMade: 1 });
    expect(jobs[0]).not.toHaveProperty('tenantId');
  });

  it('replays and discards, only within the tenant', async () => {
    const { mine, theirs } = await deadJobs();
    for (const [method, url] of [
      ['POST', `/api/v1/dead-letters/${theirs}/replay`],
      ['DELETE', `/api/v1/dead-letters/${theirs}`],
    ] as const) {
      const res = await h.call(method, url);
      expect([res.statusCode, errorOf(res).code], `${method} ${url}`).toEqual([404, 'NOT_FOUND']);
    }
    expect((await h.queue.get(theirs))?.state).toBe('dead');

    const replay = await h.call('POST', `/api/v1/dead-letters/${mine}/replay`);
    expect([replay.statusCode, replay.json()]).toEqual([200, { replayed: true }]);
    expect((await h.queue.get(mine))?.state).toBe('waiting');
    expect((await h.call('POST', `/api/v1/dead-letters/${mine}/replay`)).statusCode).toBe(404);

    const discard = await h.call('DELETE', `/api/v1/dead-letters/${theirs}`, { as: h.b });
    expect(discard.statusCode).toBe(204);
    expect(await h.queue.deadLetters(h.b.tenant.id)).toEqual([]);
    expect((await h.call('DELETE', `/api/v1/dead-letters/${theirs}`, { as: h.b })).statusCode).toBe(404);
  });
});
