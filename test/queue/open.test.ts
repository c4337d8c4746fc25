import { tmpdir } from 'node:os';
import { connect, SQLITE_MEMORY } from '../../src/store/connect.js';
import { describe, expect, it } from 'vitest';
import { openQueue } from '../../src/queue/open.js';
import { deleteKeysByPrefix, REDIS_URL, uniquePrefix } from '../support/redis.js';

describe('openQueue', () => {
  it('uses the embedded SQL queue without a Redis URL', async () => {
    const { db } = connect<unknown>(SQLITE_MEMORY, tmpdir());
    const queue = await openQueue({ db, dialect: 'sqlite', redisUrl: '' });
    expect(queue.backend).toBe('sql');
    const { id } = await queue.enqueue({ type: 't', tenantId: 'x', payload: { a: 1 }, priority: 'high' });
    expect((await queue.get(id))?.payload).toEqual({ a: 1 });
    await queue.close();
    await expect(queue.enqueue({ type: 't', tenantId: 'x', payload: null, priority: 'high' })).rejects.toMatchObject({ code: 'QUEUE_FAILURE' });
    await db.destroy();
  });

  it('uses BullMQ under the given prefix when a Redis URL is set', async () => {
    const prefix = uniquePrefix('open');
    const queue = await openQueue({ redisUrl: REDIS_URL, prefix });
    expect(queue.backend).toBe('bullmq');
    const { id } = await queue.enqueue({ type: 't', tenantId: 'x', payload: 1, priority: 'low', delayMs: 60_000 });
    expect(await queue.get(id)).toMatchObject({ state: 'delayed', priority: 'low' });
    expect(await queue.get('no-such-job')).toBeUndefined();
    await queue.close();
    await queue.close();
    expect(() => queue.work({})).toThrow(/closed/);
    expect(await deleteKeysByPrefix(prefix)).toBeGreaterThan(0);
  });

  it('refuses to guess a database', async () => {
    await expect(openQueue({})).rejects.toMatchObject({ code: 'CONFIG' });
  });
});
